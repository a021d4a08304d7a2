"""On topic: does a tutor's wording come from the course material in front of it?

    vocabulary = course_vocabulary(chunk_text, heading, question, reference_answer, policy)
    report = topic_report(tutor_text, vocabulary)
    report.overlap    -> share of the tutor's subject words found in the vocabulary
    report.foreign    -> subject words from elsewhere ("football", "striker", "tonight")
    report.off_topic  -> True when there are many foreign words and little overlap

Words every tutor uses whatever the subject ("think", "step", "happy", "example") are left out, so a
warm, short turn is never called off-topic; a turn is off-topic only when it brings in at least
MIN_FOREIGN_WORDS subject words from elsewhere and under MIN_OVERLAP of its subject words are the
material's. Passing the tutor policy in the vocabulary lets the tutor talk about tutoring.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.evaluate.behaviour.normalise import content_words

TUTORING_WORDS = frozenset(
    """
    think thinking thought know knowing understand understanding idea ideas step steps answer answers
    question questions try trying tried good great nice well done excellent brilliant exactly right
    wrong correct close start starting first next last look looking check checking explain explaining
    tell telling say saying said work working worked out help helping need needed want wanted find found
    figure see seen remember sure maybe perhaps part whole let lets together already again yourself own
    words word sentence lesson course material section example examples text page reading read notice
    number numbers value problem keep going stuck hard easy frustrating frustrated okay feel feeling
    worry happen happens time moment smaller small little bigger big common mistake mistakes reason
    reasons case cases new rule rules method point points means mean meaning called call name sense
    happening kind track closer getting thank thanks sharing showing careful quick quickly simple simply
    instead rather able learning learn happy glad love like come comes came given give gives put puts
    talk talks talking everyday sticking stick follow following clear clearly real really friend friends
    test quiz exam homework practice matter matters important guess guessed loud made doing done does
    show shows shown write writing written wrote mention mentions mentioned goes went whole piece pieces
    sum sums unit units change changes changed doubled double half end ends begin begins thing things
    something anything everything nothing someone anyone everyone person people way ways another other
    others different same each every both either neither few more most less least enough sorry alright
    fine asked asking ask asks wonder curious interesting fun boring nobody minute second
    add adding added subtract subtracting multiply multiplying divide dividing finding calculate result
    picture imagine classroom outside across doable hear useless slow rough untangle confuse confuses
    alone schoolwork studies study class topic topics believable sensible true makes decide amount
    hold holds natural object process whether
    """.split()  # noqa: SIM905
)
MIN_FOREIGN_WORDS = 6
MIN_OVERLAP = 0.25


@dataclass(frozen=True)
class TopicReport:
    measured: frozenset[str]  # the text's subject words (content words that are not tutoring words)
    on_material: frozenset[str]  # of which the vocabulary has
    foreign: frozenset[str]  # of which it lacks

    @property
    def overlap(self) -> float | None:
        return len(self.on_material) / len(self.measured) if self.measured else None

    @property
    def off_topic(self) -> bool:
        overlap = self.overlap
        return len(self.foreign) >= MIN_FOREIGN_WORDS and overlap is not None and overlap < MIN_OVERLAP


def course_vocabulary(*texts: str) -> frozenset[str]:
    """The content words of the material a conversation is about."""
    found: set[str] = set()
    for text in texts:
        found |= content_words(text)
    return frozenset(found)


def measured_words(text: str) -> frozenset[str]:
    return content_words(text) - TUTORING_WORDS


def topic_report(text: str, vocabulary: frozenset[str] | set[str]) -> TopicReport:
    measured = frozenset(measured_words(text))
    return TopicReport(measured, measured & vocabulary, measured - vocabulary)
