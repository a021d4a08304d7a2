"""`tutor-studio dataset validate|import|build|export|list`: curated conversations in and datasets out.

    tutor-studio dataset validate chats.jsonl --json      # {"valid": N, "invalid": N, "errors": [...]}
    tutor-studio dataset import chats.jsonl [--skip-invalid] [--accept] --json    # {"imported": N, "errors": [...]}
    tutor-studio dataset import assets/demo_conversations.jsonl --accept          # the demo set, ready to train
    tutor-studio dataset export OUT_DIR [--dataset tutor@v2] --json   # {"dataset", "path", "train", "validation", "test"}
    tutor-studio dataset accept [--intent confused] [--search TEXT] --json  # pending -> accepted, as Review's bulk accept
    tutor-studio dataset undo BATCH --json                                  # take a batch back
    tutor-studio dataset build --preferences [--sources votes,leaks,edits] --json   # preference pairs for DPO

Without --dataset, export freezes the accepted examples as a new version (re-using the latest version
when nothing changed) and exports that.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.commands import CliContext, CliError, CommandResult, add_common_options
from core.review.build import build_dataset
from core.review.build_config import DEFAULT_NAME, DEFAULTS, help_of
from core.review.bulk import bulk_update, undo_batch
from core.review.content import DatasetError
from core.review.export import export_accepted, export_dataset
from core.review.importing import EMPTY_FILE, SKIP_ON_COMMAND_LINE, import_file
from core.review.query import ExampleQuery
from core.review.records import SPLITS, list_datasets
from core.review.split import SplitFractions
from core.review.tokens import token_counter
from core.review.validation import ConversationError, ValidationIssue, ValidationRules, validate_file
from core.review.versions import BuiltDataset, DatasetListing, manifest_summary
from core.train.pairs import SOURCES
from core.train.pairs_build import DEFAULT_NAME as PREFERENCE_NAME
from core.train.pairs_build import build_preference_dataset

Handler = Callable[[argparse.Namespace, CliContext], CommandResult]
SHOWN_ERRORS = 20


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dataset",
        help="Validate, import and export conversations; build dataset versions.",
        description="Curated conversations in (validate, import) and frozen dataset versions out (build, export).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    validate = _action(
        actions,
        "validate",
        run_validate,
        "Check a JSONL file of conversations; exit 1 if any line is invalid.",
    )
    validate.add_argument(
        "file", type=Path, metavar="FILE", help="A .jsonl file (OpenAI chat or ShareGPT format)."
    )
    importer = _action(
        actions, "import", run_import, "Import a JSONL file of conversations as examples to review."
    )
    importer.add_argument(
        "file", type=Path, metavar="FILE", help="A .jsonl file (OpenAI chat or ShareGPT format)."
    )
    importer.add_argument(
        "--skip-invalid", action="store_true", help="Import the valid lines even if some are invalid."
    )
    importer.add_argument(
        "--accept", action="store_true", help="Import as accepted (the file is already curated)."
    )
    importer.add_argument(
        "--meta", type=Path, metavar="FILE", help="Metadata sidecar (default: FILE's .meta.jsonl, if any)."
    )
    for name, verb in (("accept", "Accept"), ("reject", "Reject")):
        review = _action(
            actions,
            name,
            run_review,
            f"{verb} the pending examples that match the filters (Review's bulk {name}; undo with `undo`).",
        )
        _filter_options(review)
    undo = _action(actions, "undo", run_undo, "Take back a bulk accept, reject or import (its batch id).")
    undo.add_argument("batch", metavar="BATCH", help="The batch id an accept, reject or import printed.")
    build = _action(actions, "build", run_build, "Freeze the accepted examples into a new dataset version.")
    build.add_argument(
        "--preferences",
        action="store_true",
        help="Freeze preference pairs (Compare votes, caught leaks, Review edits) instead, for DPO/ORPO; "
        f"the name defaults to {PREFERENCE_NAME}.",
    )
    build.add_argument(
        "--sources",
        default=",".join(SOURCES),
        help="With --preferences: which pair sources to use (default votes,leaks,edits).",
    )
    _split_options(build, default_name=None)
    export = _action(
        actions, "export", run_export, "Export a dataset version (default: freeze the accepted examples)."
    )
    export.add_argument(
        "out_dir", type=Path, metavar="OUT_DIR", help="Folder to write (created or replaced)."
    )
    export.add_argument(
        "--dataset", metavar="ID", help="The version to export, e.g. tutor@v2 (default: build one)."
    )
    _split_options(export)
    _action(actions, "list", run_list, "List the dataset versions of this workspace.")


def _action(actions: Any, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text)
    add_common_options(parser)
    parser.set_defaults(handler=_friendly(handler))
    return parser


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--intent", help="Only this student intent, e.g. confused or just_tell_me.")
    parser.add_argument("--source", metavar="DOCUMENT_ID", help="Only examples made from this document.")
    parser.add_argument("--tag", help="Only examples with this tag.")
    parser.add_argument(
        "--verdict", choices=("passed", "failed", "none"), help="Only examples whose filters passed/failed."
    )
    parser.add_argument("--search", default="", help="Only examples containing these words.")
    parser.add_argument("--editor", default="cli", help="Name recorded on the revisions (default cli).")


def _split_options(parser: argparse.ArgumentParser, default_name: str | None = DEFAULT_NAME) -> None:
    """The build's options: BuildConfig's fields, with its help and defaults."""
    parser.add_argument(
        "--name",
        default=default_name,
        help=f"The dataset's name. {help_of('name')} (default {DEFAULTS.name})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, help=f"{help_of('seed')} (default {DEFAULTS.seed})"
    )
    for share in ("validation", "test"):
        default = getattr(DEFAULTS, share)
        parser.add_argument(
            f"--{share}", type=float, default=default, help=f"{help_of(share)} (default {default})"
        )


def _friendly(handler: Handler) -> Handler:
    """Turn the dataset layer's explained errors into CLI errors (message on stderr, exit 1)."""

    def run(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
        try:
            return handler(args, ctx)
        except (DatasetError, ConversationError, FileNotFoundError) as error:
            raise CliError(str(error)) from error

    return run


def _issue_lines(errors: list[ValidationIssue]) -> list[str]:
    lines = [f"  line {e.line}: [{e.category}] {e.message}" for e in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"  ... and {len(errors) - SHOWN_ERRORS} more (use --json for all)")
    return lines


def run_validate(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    if not args.file.is_file():
        raise CliError(f"{args.file}: no such file.")
    report = validate_file(args.file, ValidationRules(counter=token_counter(ctx.workspace, store=ctx.store)))
    data = report.to_dict()
    text = "\n".join(
        [
            f"{report.valid} valid, {report.invalid} invalid line(s) in {args.file}",
            *_issue_lines(report.errors),
        ]
    )
    if report.empty:
        data["empty"] = True
        text = f"{args.file}: {EMPTY_FILE}"
    return CommandResult(data, text, exit_code=1 if report.invalid or report.empty else 0)


def run_import(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    ctx.report(f"Checking {args.file} ...")
    report = import_file(
        ctx.store,
        ctx.workspace,
        args.file,
        skip_invalid=args.skip_invalid,
        accept=args.accept,
        meta_path=args.meta,
    )
    data = report.to_dict()
    empty = not (report.imported or report.duplicates or report.invalid)
    failed = bool(report.invalid and not args.skip_invalid) or (report.imported == 0 and report.invalid > 0)
    text = "\n".join([report.message_for(SKIP_ON_COMMAND_LINE), *_issue_lines(report.errors)])
    return CommandResult(data, text, exit_code=1 if failed or empty else 0)


def _fractions(args: argparse.Namespace) -> SplitFractions:
    try:
        return SplitFractions(validation=args.validation, test=args.test)
    except ValueError as error:
        raise CliError(str(error)) from error


def run_review(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    query = ExampleQuery(
        status="pending",
        intent=args.intent,
        source=args.source,
        tag=args.tag,
        verdict=args.verdict,
        search=args.search,
    )
    counter = token_counter(ctx.workspace, store=ctx.store) if args.action == "accept" else None
    report = bulk_update(ctx.store, query, args.action, editor=args.editor, counter=counter)
    data = {
        "batch": report.batch_id,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "not_ready": report.not_ready,
        "skipped": report.skipped,
    }
    hint = f"\nUndo with: tutor-studio dataset undo {report.batch_id}" if report.batch_id else ""
    return CommandResult(data, report.message + hint)


def run_undo(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    try:
        report = undo_batch(ctx.store, args.batch, editor="cli")
    except LookupError as error:
        raise CliError(str(error)) from error
    data = {"restored": report.restored, "kept": report.kept, "batch": report.batch_id}
    return CommandResult(data, report.message)


def run_build(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    if args.preferences:
        return run_build_preferences(args, ctx)
    report = build_dataset(
        ctx.store, ctx.workspace, name=args.name or DEFAULT_NAME, seed=args.seed, fractions=_fractions(args)
    )
    data = BuiltDataset.of(report.dataset, report.reused).to_json()
    notes = manifest_summary(report.dataset).notes
    return CommandResult(data, "\n".join([report.message, *notes, f"Folder: {report.dataset.path}"]))


def run_build_preferences(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    sources = [source.strip() for source in args.sources.split(",") if source.strip()]
    unknown = sorted(set(sources) - set(SOURCES))
    if unknown or not sources:
        raise CliError(
            f"--sources: unknown {', '.join(unknown) or '(empty)'}; use any of {','.join(SOURCES)}."
        )
    report = build_preference_dataset(
        ctx.store,
        ctx.workspace,
        name=args.name or PREFERENCE_NAME,
        seed=args.seed,
        fractions=_fractions(args),
        sources=sources,
    )
    data = report.to_dict()
    return CommandResult(data, "\n".join([report.message, f"Folder: {report.dataset.path}"]))


def run_export(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    if args.dataset:
        report = export_dataset(ctx.store, args.dataset, args.out_dir)
    else:
        report = export_accepted(
            ctx.store, ctx.workspace, args.out_dir, name=args.name, seed=args.seed, fractions=_fractions(args)
        )
    data = report.to_dict()
    counts = ", ".join(f"{data[s]} {s}" for s in SPLITS)
    return CommandResult(data, f"Exported {report.dataset.id} ({counts}) to {report.path}")


def run_list(args: argparse.Namespace, ctx: CliContext) -> CommandResult:
    datasets = [DatasetListing.of(d) for d in list_datasets(ctx.store)]
    lines = [
        f"{d.id:<24} {d.count('train'):>6} train {d.count('validation'):>5} val {d.count('test'):>5} test"
        for d in datasets
    ]
    return CommandResult(
        {"datasets": [d.to_json() for d in datasets]},
        "\n".join(lines) or "No dataset versions yet: `tutor-studio dataset build`.",
    )
