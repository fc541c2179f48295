DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'eventer_sink_schema') THEN
        CREATE SCHEMA eventer_sink_schema;
    END IF;
END $EF$;
CREATE TABLE IF NOT EXISTS eventer_sink_schema."__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL,
    CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
);

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261127104854_InitialAlerts') THEN
        IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'eventer_sink_schema') THEN
            CREATE SCHEMA eventer_sink_schema;
        END IF;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261127104854_InitialAlerts') THEN
    CREATE TABLE eventer_sink_schema.alerts (
        id bigint GENERATED ALWAYS AS IDENTITY,
        message_id uuid NOT NULL,
        robot text NOT NULL,
        route text NOT NULL,
        fold_key text NOT NULL,
        last_seen timestamp with time zone NOT NULL,
        received_at timestamp with time zone NOT NULL,
        mentions jsonb NOT NULL,
        event jsonb NOT NULL,
        trace_parent text,
        sent_at timestamp with time zone,
        disposition text,
        CONSTRAINT "PK_alerts" PRIMARY KEY (id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261127104854_InitialAlerts') THEN
    CREATE UNIQUE INDEX "IX_alerts_message_id_robot" ON eventer_sink_schema.alerts (message_id, robot);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261127104854_InitialAlerts') THEN
    CREATE INDEX ix_alerts_pending ON eventer_sink_schema.alerts (robot, id) WHERE sent_at IS NULL;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261127104854_InitialAlerts') THEN
    CREATE INDEX ix_alerts_sent_at ON eventer_sink_schema.alerts (sent_at) WHERE sent_at IS NOT NULL;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261127104854_InitialAlerts') THEN
    INSERT INTO eventer_sink_schema."__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261127104854_InitialAlerts', '10.0.15');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261129231955_DispatcherLease') THEN
    CREATE TABLE eventer_sink_schema.leases (
        name text NOT NULL,
        holder text NOT NULL,
        expires_at timestamp with time zone NOT NULL,
        CONSTRAINT "PK_leases" PRIMARY KEY (name)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261129231955_DispatcherLease') THEN
    INSERT INTO eventer_sink_schema."__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261129231955_DispatcherLease', '10.0.15');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261130060000_TargetColumn') THEN
    ALTER TABLE eventer_sink_schema.alerts RENAME COLUMN robot TO target;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261130060000_TargetColumn') THEN
    ALTER INDEX eventer_sink_schema."IX_alerts_message_id_robot" RENAME TO "IX_alerts_message_id_target";
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM eventer_sink_schema."__EFMigrationsHistory" WHERE "MigrationId" = '20261130060000_TargetColumn') THEN
    INSERT INTO eventer_sink_schema."__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261130060000_TargetColumn', '10.0.15');
    END IF;
END $EF$;
COMMIT;

