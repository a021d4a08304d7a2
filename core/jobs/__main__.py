"""`python -m core.jobs run JOB_ID`: the job's process.

The runner is imported under its own module name (not run as __main__), so a job target's
`except JobStopped` sees the runner's class.
"""

import sys

from core.jobs.runner import main

if len(sys.argv) != 3 or sys.argv[1] != "run":
    sys.stderr.write("usage: python -m core.jobs run JOB_ID\n")
    sys.exit(2)
sys.exit(main(sys.argv[2:]))
