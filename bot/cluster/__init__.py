"""Several replicas behind nginx on shared PostgreSQL and Redis (`make run-cluster`, issue 13)."""
