"""ReplySettings: how long and how varied each Compare reply is, for the Compare tab and `tutor-studio chat`.

settings = ReplySettings()                       # the defaults both the tab and the CLI start from
ReplySettings.help("temperature")               # the slider's info= and the --temperature help
config = settings.generation()                  # the GenerationConfig every column decodes with
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.inference.backend import GenerationConfig


class ReplySettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_new_tokens: int = Field(
        200,
        ge=1,
        le=1024,
        description="The longest reply each tutor may write, in tokens. Longer takes longer.",
    )
    temperature: float = Field(
        0.7,
        ge=0.0,
        le=1.5,
        description="0 always picks the likeliest word (the same reply every time); higher is more varied.",
    )
    seed: int | None = Field(
        None, description="A fixed sampling seed gives repeatable replies (empty: a new one)."
    )

    @classmethod
    def help(cls, name: str) -> str:
        return cls.model_fields[name].description or ""

    @classmethod
    def default(cls, name: str) -> Any:
        return cls.model_fields[name].get_default()

    @classmethod
    def bounds(cls, name: str) -> tuple[float, float]:
        """The (lowest, highest) value a field accepts: the slider's range."""
        low = high = None
        for rule in cls.model_fields[name].metadata:
            low = getattr(rule, "ge", low)
            high = getattr(rule, "le", high)
        assert low is not None and high is not None, f"{name} has no range"
        return float(low), float(high)

    def generation(self) -> GenerationConfig:
        return GenerationConfig(
            max_new_tokens=self.max_new_tokens, temperature=self.temperature, seed=self.seed
        )
