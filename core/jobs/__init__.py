"""Training jobs, from the spec to the backends: what a job is (spec, at the bottom: JobSpec, the
Job and Follower protocols), the device's admission queue (queue), its turns (timeshare), a
job's memory and time (admission), one computation followed by every job of the same spec
(shared), a job trained in this process (local) and which backend runs a job (backends);
ray/ is the optional Ray backend. Uses core.training, core.runs and the layers below."""
