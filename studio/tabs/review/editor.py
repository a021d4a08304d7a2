"""The Review tab's example editor, its layout: the conversation turn by turn, Accept / Reject / Save,
the conflict panel and the history. The handlers that drive it are in studio/tabs/review/editor_handlers.py.

The conversation lives in MAX_TURNS fixed (role, text) slots, so the layout is static while
conversations vary in length; `turns` in the editor state says how many slots are in use, and
`revision` which saved version the editor started from (what a save is checked against).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from studio.tabs.review import display as show

MAX_TURNS = 20
EMPTY_EDITOR = (
    "### Pick an example\nClick a row of the table, or type an example id, to read and edit it here."
)
NO_STATE: dict[str, Any] = {"id": None, "revision": None, "turns": 0, "conflict": None}
MOVES = {"accept": "next", "reject": "next", "save": "stay", "next": "next", "previous": "previous"}


@dataclass
class EditorWidgets:
    state: gr.State
    reviewer: gr.Textbox
    memory: gr.BrowserState
    goto: gr.Textbox
    header: gr.Markdown
    body: gr.Column  # everything below the header, shown once an example is open
    issues: gr.Markdown
    rows: list[gr.Row]
    roles: list[gr.Dropdown]
    texts: list[gr.Textbox]
    deletes: list[gr.Button]
    add_student: gr.Button
    add_tutor: gr.Button
    intent: gr.Dropdown
    tags: gr.Dropdown
    reference: gr.Textbox
    previous: gr.Button
    save: gr.Button
    accept: gr.Button
    reject: gr.Button
    next: gr.Button
    discard: gr.Button
    message: gr.Markdown
    conflict: gr.Group
    theirs: gr.Markdown
    yours: gr.Markdown
    save_mine: gr.Button
    keep_theirs: gr.Button
    history: gr.Dataframe
    restore_number: gr.Number
    restore: gr.Button

    def edit_inputs(self) -> list[Any]:
        """What a save reads (after the state and the reviewer's name)."""
        return [*self.roles, *self.texts, self.intent, self.tags, self.reference]

    def view_outputs(self) -> list[Any]:
        fields = [
            self.intent,
            self.tags,
            self.reference,
            self.history,
            self.conflict,
            self.theirs,
            self.yours,
        ]
        return [
            self.state,
            self.header,
            self.body,
            self.issues,
            *self.rows,
            *self.roles,
            *self.texts,
            *fields,
            self.message,
        ]


def build_editor() -> EditorWidgets:
    goto, reviewer = build_openers()
    header = gr.Markdown(EMPTY_EDITOR, elem_id="review-example-header")
    with gr.Column(visible=False, elem_id="review-editor") as body:
        issues = gr.Markdown(elem_id="review-issues")
        rows, roles, texts, deletes = build_turns()
        with gr.Row():
            add_student = gr.Button("+ Student turn", size="sm", elem_id="review-add-student")
            add_tutor = gr.Button("+ Tutor turn", size="sm", elem_id="review-add-tutor")
        intent, tags, reference = build_labels()
        previous, save, accept, reject, following, discard = build_buttons()
        message = gr.Markdown(elem_id="review-message")
        conflict, theirs, yours, keep_theirs, save_mine = build_conflict()
        history, restore_number, restore = build_history()
    return EditorWidgets(
        state=gr.State(dict(NO_STATE)),
        reviewer=reviewer,
        memory=gr.BrowserState("", storage_key="tutor-studio-reviewer"),
        goto=goto,
        header=header,
        body=body,
        issues=issues,
        rows=rows,
        roles=roles,
        texts=texts,
        deletes=deletes,
        add_student=add_student,
        add_tutor=add_tutor,
        intent=intent,
        tags=tags,
        reference=reference,
        previous=previous,
        save=save,
        accept=accept,
        reject=reject,
        next=following,
        discard=discard,
        message=message,
        conflict=conflict,
        theirs=theirs,
        yours=yours,
        save_mine=save_mine,
        keep_theirs=keep_theirs,
        history=history,
        restore_number=restore_number,
        restore=restore,
    )


def build_openers() -> tuple[gr.Textbox, gr.Textbox]:
    """The id box (opens an example) and the reviewer's name."""
    with gr.Row(equal_height=True):
        goto = gr.Textbox(
            label="Open example by id",
            placeholder="ex_…",
            max_lines=1,
            info="Error messages name examples by id: type one and press Enter.",
            elem_id="review-goto",
        )
        reviewer = gr.Textbox(
            label="Your name",
            max_lines=1,
            info="Shown in each example's history, so co-reviewers see who changed what.",
            elem_id="review-reviewer",
        )
    return goto, reviewer


def build_turns() -> tuple[list[gr.Row], list[gr.Dropdown], list[gr.Textbox], list[gr.Button]]:
    rows, roles, texts, deletes = [], [], [], []
    for index in range(MAX_TURNS):
        with gr.Row(visible=False, elem_classes=["ts-turn"]) as row:
            roles.append(
                gr.Dropdown(
                    show.ROLE_CHOICES,
                    value="user",
                    label=f"Turn {index + 1}",
                    info="Who speaks",
                    scale=1,
                    min_width=120,
                    elem_id=f"review-role-{index}",
                )
            )
            texts.append(
                gr.Textbox(
                    label="What is said",
                    show_label=False,
                    lines=2,
                    max_lines=14,
                    scale=8,
                    elem_id=f"review-text-{index}",
                )
            )
            deletes.append(
                gr.Button("✕ Delete", size="sm", scale=0, min_width=90, elem_id=f"review-delete-{index}")
            )
        rows.append(row)
    return rows, roles, texts, deletes


def build_labels() -> tuple[gr.Dropdown, gr.Dropdown, gr.Textbox]:
    with gr.Row():
        intent = gr.Dropdown(
            [],
            label="Student intent",
            allow_custom_value=True,
            info="What the student is doing (confused, frustrated, ...); every intent goes into each split.",
            elem_id="review-intent",
        )
        tags = gr.Dropdown(
            [],
            label="Tags",
            multiselect=True,
            allow_custom_value=True,
            info="Your own labels for filtering and bulk actions: type one and press Enter.",
            elem_id="review-tags",
        )
    reference = gr.Textbox(
        label="Reference answer",
        lines=2,
        info="The answer the tutor leads towards. Students never see it; Evaluate uses it.",
        elem_id="review-reference",
    )
    return intent, tags, reference


def build_buttons() -> tuple[gr.Button, gr.Button, gr.Button, gr.Button, gr.Button, gr.Button]:
    with gr.Row(elem_id="review-actions"):
        previous = gr.Button("◀ Previous (K)", elem_id="review-previous")
        save = gr.Button("Save (Ctrl+S)", elem_id="review-save")
        accept = gr.Button("Accept (A)", variant="primary", elem_id="review-accept")
        reject = gr.Button("Reject (R)", variant="stop", elem_id="review-reject")
        following = gr.Button("Next ▶ (J)", elem_id="review-next")
        discard = gr.Button("Discard my changes", size="sm", elem_id="review-discard")
    return previous, save, accept, reject, following, discard


def build_conflict() -> tuple[gr.Group, gr.Markdown, gr.Markdown, gr.Button, gr.Button]:
    with gr.Group(visible=False, elem_id="review-conflict") as conflict:
        with gr.Row():
            theirs = gr.Markdown(elem_id="review-theirs")
            yours = gr.Markdown(elem_id="review-yours")
        with gr.Row():
            keep_theirs = gr.Button("Keep their version", elem_id="review-keep-theirs")
            save_mine = gr.Button("Save mine on top of theirs", variant="primary", elem_id="review-save-mine")
    return conflict, theirs, yours, keep_theirs, save_mine


def build_history() -> tuple[gr.Dataframe, gr.Number, gr.Button]:
    with gr.Accordion(
        "History: every saved version of this example", open=False, elem_id="review-history-box"
    ):
        history = gr.Dataframe(
            headers=["Revision", "When", "Who", "Status", "What changed"],
            interactive=False,
            max_height=260,
            elem_id="review-history",
        )
        with gr.Row(equal_height=True):
            number = gr.Number(
                None,
                label="Revision to restore",
                precision=0,
                minimum=1,
                info="Restoring saves that version as a new revision; nothing is lost.",
                elem_id="review-restore-number",
            )
            restore = gr.Button("Restore this revision", scale=0, min_width=200, elem_id="review-restore")
    return history, number, restore
