-- Cluster-wide periodic jobs: a node runs a job only if it moves last_run forward, so one node
-- of the cluster runs it per interval (see RetentionJob).
CREATE TABLE store_jobs (
  name     TEXT        PRIMARY KEY,
  last_run TIMESTAMPTZ NOT NULL
);
INSERT INTO store_jobs (name, last_run) VALUES ('retention', '-infinity');
