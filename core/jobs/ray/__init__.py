"""The optional Ray backend: joining a cluster (cluster), the warm host actors (worker, pool)
and jobs as method calls on them (backend). Only core.jobs.backends imports it, and only when
AE_RAY_ADDRESS is set; it uses core.jobs' local machinery on each host."""
