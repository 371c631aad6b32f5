"""When a person is infectious: the days before symptoms or a positive test (seeds/002).

The trace's window (tracing), the location check (zones) and the pages (through /api/me)
all take these from here.
"""

SYMPTOM_ONSET_DAYS_BEFORE = 3  # infectious from 3 days before the symptoms began
POSITIVE_TEST_DAYS_BEFORE = 7  # ... or 7 days before the test when there were none
