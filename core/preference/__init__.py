"""Preference data: pairs of a better and a worse tutor reply to the same conversation, for DPO / ORPO.

- pairs.py     PreferenceItem (TRL's conversational preference format) and the prompt group the split keeps
- sources.py   the three sources: blind votes in Compare, answer leaks caught in Generate, Review edits
- socratic.py  the Socratic reply that stands in for a leaking tutor turn (a deterministic rewrite)
- build.py     freezing the pairs into a preference dataset version (`preferences@vN`, kind 'preference')
- data.py      reading a frozen version back (the trainer), with file and line in every error
"""
