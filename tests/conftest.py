"""Settings shared by the whole test suite."""

from __future__ import annotations

import os

from hypothesis import settings

# Timing deadlines make property tests flaky on slow or busy CI machines (the first example
# of a run may also pay for loading the IAM catalog); correctness is what they test.
settings.register_profile("policysim", deadline=None)
# Reproducible runs for CI: HYPOTHESIS_PROFILE=ci.
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "policysim"))
