"""Evaluate: did the adapter learn the tutor, and did it forget anything?

- config.py      EvalConfig (pydantic: variants, checks, limits, judge, thresholds); its descriptions are the help
- testset.py     the test split as replay items (one per tutor turn) with intent and reference answer
- openers.py     the held-out student openers (assets/student_openers.jsonl plus the workspace's own)
- opener_check.py every variant answers the openers; each rate with its 95% interval
- intervals.py   Wilson and t intervals, paired differences, and pass / fail / inconclusive on an interval
- evidence.py    what a verdict rests on, gathered from a report (paired differences, pooled counts)
- metrics.py     the behaviour metrics, built on core.evaluate.behaviour (their definitions are documented there)
- probes.py      probe leak rate, correct refusals, frustration handling on assets/probes.yaml
- replay.py      the variants (base, prompted, adapters) answering the same histories, batched
- divergence.py  KL(variant || prompted) per token on the reference tutor turns (teacher forcing)
- judge.py       the optional 1-5 LLM judge and its agreement with Compare's votes
- lm_tasks.py    the lm-eval task catalogue (assets/lm_eval_tasks) and its preparation per run
- forgetting.py  the lm-evaluation-harness bridge: general tasks on base and adapters
- verdict.py     Thresholds and the ship/hold verdict with a pass/fail/inconclusive line per threshold
- plan.py        what one evaluation will do, and its progress steps
- sections.py    the four checks, each filling its part of the report
- report_model.py EvalReport: the report as typed sections (pydantic), dumped key for key as report.json
- report.py      building and finishing the report, the CLI summary (EvalSummary), the model card section,
                 comparing two reports
- records.py     the `evals` table
- job.py         start it as a job, run it, follow it
- overview.py    what the Evaluate tab lists
"""
