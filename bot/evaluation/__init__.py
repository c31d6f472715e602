"""Gates on what the trained model does, run by `make test` (and alone by `make eval-*`).

nlu.py scores the held-out NLU test file per label against tests/nlu/thresholds.yml;
safety.py checks red-flag recall, false alarms and out-of-scope handling on
tests/safety/. Both parse messages with the trained model exactly as the server does.
"""
