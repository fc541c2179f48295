-- Run once by the postgres image when its volume is new (/docker-entrypoint-initdb.d), as the
-- database owner (POSTGRES_USER, "eventer"), in POSTGRES_DB. Grafana's archive datasource logs in
-- as "grafana", which may only read: the archive creates its schema and tables later, at its first
-- start, so the grants are default privileges on what "eventer" creates, not grants on objects.
CREATE ROLE grafana LOGIN PASSWORD 'grafana';
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO grafana;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO grafana;
