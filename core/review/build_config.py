"""What a dataset build takes: its name, seed and split shares, with the help the UI and the CLI show.

    config = BuildConfig(name="tutor", seed=42, validation=0.1, test=0.1)
    build_dataset(store, workspace, name=config.name, seed=config.seed, fractions=config.fractions())

Each field's description is the Review tab's `info=` text and `tutor-studio dataset build`'s `--help`;
each default is written here once (the UI shows the shares as percentages).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.review.split import SplitFractions

DEFAULT_NAME = "tutor"
DEFAULT_SEED = 42


class BuildConfig(BaseModel):
    name: str = Field(default=DEFAULT_NAME, description="Versions are numbered: NAME@v1, NAME@v2, ...")
    seed: int = Field(
        default=DEFAULT_SEED, description="The same seed and examples always give the same split."
    )
    validation: float = Field(
        default=0.1,
        ge=0,
        lt=1,
        description="Share of chunks for validation, checked during training to spot over-fitting.",
    )
    test: float = Field(
        default=0.1, ge=0, lt=1, description="Share of chunks for test, kept aside for the Evaluate tab."
    )

    def fractions(self) -> SplitFractions:
        return SplitFractions(validation=self.validation, test=self.test)


FIELDS = BuildConfig.model_fields
DEFAULTS = BuildConfig()


def help_of(field: str) -> str:
    """A field's description, for a UI's info= and argparse's help=."""
    return FIELDS[field].description or ""
