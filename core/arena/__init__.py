"""The arena: blind comparisons of variants, votes, ratings, and what votes turn into.

- records.py      comparisons and votes in the store (one vote per voter and comparison)
- blind.py        shuffled A/B/C order, recording a round, casting a vote, revealing the labels
- ratings.py      Bradley-Terry fit (MM) and bootstrap intervals: pure math
- leaderboard.py  ratings and pairwise win rates from the stored votes
- pairs.py        preference pairs for TRL's DPOTrainer; winning replies as pending review examples
"""
