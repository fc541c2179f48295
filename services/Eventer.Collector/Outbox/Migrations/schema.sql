DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'collector') THEN
        CREATE SCHEMA collector;
    END IF;
END $EF$;
CREATE TABLE IF NOT EXISTS collector."__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL,
    CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
);

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261127084034_InitialOutbox') THEN
        IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'collector') THEN
            CREATE SCHEMA collector;
        END IF;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261127084034_InitialOutbox') THEN
    CREATE TABLE collector.outbox (
        id bigint GENERATED ALWAYS AS IDENTITY,
        occurrence_key text NOT NULL,
        message_id uuid NOT NULL,
        payload jsonb NOT NULL,
        trace_parent text,
        trace_state text,
        observed_at timestamp with time zone NOT NULL,
        created_at timestamp with time zone NOT NULL DEFAULT (now()),
        sent_at timestamp with time zone,
        CONSTRAINT "PK_outbox" PRIMARY KEY (id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261127084034_InitialOutbox') THEN
    CREATE UNIQUE INDEX "IX_outbox_occurrence_key" ON collector.outbox (occurrence_key);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261127084034_InitialOutbox') THEN
    CREATE INDEX ix_outbox_sent_at ON collector.outbox (sent_at) WHERE sent_at IS NOT NULL;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261127084034_InitialOutbox') THEN
    CREATE INDEX ix_outbox_unsent ON collector.outbox (id) WHERE sent_at IS NULL;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261127084034_InitialOutbox') THEN
    INSERT INTO collector."__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261127084034_InitialOutbox', '10.0.15');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261127085823_WatchHeartbeat') THEN
    CREATE TABLE collector.watch_state (
        cluster text NOT NULL,
        last_watching_at timestamp with time zone NOT NULL,
        CONSTRAINT "PK_watch_state" PRIMARY KEY (cluster)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261127085823_WatchHeartbeat') THEN
    INSERT INTO collector."__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261127085823_WatchHeartbeat', '10.0.15');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261129231641_DeadLetters') THEN
    CREATE TABLE collector.dead_letters (
        id bigint GENERATED ALWAYS AS IDENTITY,
        occurrence_key text NOT NULL,
        message_id uuid NOT NULL,
        sql_state text,
        reason text NOT NULL,
        payload bytea NOT NULL,
        observed_at timestamp with time zone NOT NULL,
        set_aside_at timestamp with time zone NOT NULL DEFAULT (now()),
        CONSTRAINT "PK_dead_letters" PRIMARY KEY (id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261129231641_DeadLetters') THEN
    CREATE UNIQUE INDEX "IX_dead_letters_occurrence_key" ON collector.dead_letters (occurrence_key);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM collector."__EFMigrationsHistory" WHERE "MigrationId" = '20261129231641_DeadLetters') THEN
    INSERT INTO collector."__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261129231641_DeadLetters', '10.0.15');
    END IF;
END $EF$;
COMMIT;

