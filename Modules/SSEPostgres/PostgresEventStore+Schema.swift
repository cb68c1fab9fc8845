import Logging
import PostgresNIO

extension PostgresEventStore {
    /// Creates the schema, tables and append functions when missing, one node at a time, after
    /// checking that an existing schema has this library's version; a version 1 schema (which
    /// has no batch function) is upgraded in place.
    ///
    /// Runs on a connection of its own rather than the pool, so that a database that cannot be
    /// reached fails at once with the connection's error (the pool keeps retrying).
    func createSchema() async throws {
        let connection = try await PostgresConnection.connect(
            configuration: configuration.listener, id: 0, logger: configuration.logger
        )
        do {
            try await createSchema(tables, on: connection)
            try await connection.close()
        } catch let error as PostgresTransactionError {
            try? await connection.close()
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func createSchema(_ t: PostgresTables, on connection: PostgresConnection) async throws {
        try await connection.withTransaction(logger: configuration.logger) { connection in
            let logger = configuration.logger
            try await connection.query("SELECT pg_advisory_xact_lock(\(t.lockKey))", logger: logger)
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: t.schema)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS \(unescaped: t.meta) (key text PRIMARY KEY, value bigint NOT NULL)", logger: logger
            )
            try await connection.query(
                "INSERT INTO \(unescaped: t.meta) VALUES ('schema_version', \(Self.schemaVersion)) ON CONFLICT (key) DO NOTHING",
                logger: logger
            )
            let rows = try await connection.query(
                "SELECT value FROM \(unescaped: t.meta) WHERE key = 'schema_version'", logger: logger
            )
            for try await version in rows.decode(Int.self) where !Self.upgradableSchemaVersions.contains(version) {
                throw PostgresStoreError.schemaVersion(found: version, expected: Self.schemaVersion)
            }
            for statement in Self.schemaStatements(t) {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            try await connection.query(
                "UPDATE \(unescaped: t.meta) SET value = \(Self.schemaVersion) WHERE key = 'schema_version'", logger: logger
            )
        }
    }

    /// The tables and the append functions, version 2 (version 1 had no `sse_append_batch`).
    ///
    /// `sse_append` runs a whole append in one statement (so in one transaction and one round
    /// trip): it takes the channel's counter row (`INSERT ... ON CONFLICT DO UPDATE`, which locks
    /// it until COMMIT, so appends to one channel commit in sequence order), returns the stored
    /// event for an id the channel holds (giving the number back: nothing else could take it
    /// meanwhile), inserts the event, and `NOTIFY`s
    /// `e SEQUENCE CHANNELLEN IDLEN TYPELEN CHANNEL ID TYPE DATA` when that fits in a payload
    /// and the data has no NUL, `r SEQUENCE CHANNELLEN IDLEN TYPELEN CHANNEL ID TYPE` (read the
    /// event from the table) otherwise. This library appends through `sse_append_batch`;
    /// `sse_append` stays so that version 1 nodes still running during an upgrade keep appending.
    ///
    /// `sse_append_batch` applies the same rules to each event of its arrays in order, in one
    /// statement: it first takes the counter rows of the batch's channels in one order (channel
    /// name), so that batches from several nodes cannot deadlock, then for each event returns the
    /// stored event for an id the channel holds (an earlier event of the same batch included)
    /// or takes the next sequence, inserts and `NOTIFY`s. It counts the numbers it takes in the
    /// function and writes each channel's counter once, at the end, rather than once per event:
    /// less work while the rows are held, which is the time other nodes' batches wait. It
    /// returns one row per event, with the event's 1-based index.
    static func schemaStatements(_ t: PostgresTables) -> [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(t.channels) (
                channel text PRIMARY KEY,
                last_sequence bigint NOT NULL,
                trimmed_sequence bigint NOT NULL DEFAULT 0,
                trimmed_id text
            )
            """,
            """
            CREATE TABLE IF NOT EXISTS \(t.events) (
                channel text NOT NULL,
                sequence bigint NOT NULL,
                id text NOT NULL,
                type text NOT NULL,
                data bytea NOT NULL,
                size integer NOT NULL,
                time timestamptz NOT NULL,
                PRIMARY KEY (channel, sequence),
                UNIQUE (channel, id)
            )
            """,
            """
            CREATE OR REPLACE FUNCTION \(t.append)(
                p_channel text, p_id text, p_type text, p_data bytea, p_size bigint, p_inline boolean
            ) RETURNS TABLE (o_sequence bigint, o_id text, o_type text, o_data bytea, o_time timestamptz, o_stored boolean)
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_sequence bigint;
                v_id text;
                v_time timestamptz := clock_timestamp();
                v_payload text;
            BEGIN
                INSERT INTO \(t.channels) AS c (channel, last_sequence) VALUES (p_channel, 1)
                    ON CONFLICT (channel) DO UPDATE SET last_sequence = c.last_sequence + 1
                    RETURNING c.last_sequence INTO v_sequence;
                IF p_id <> '' THEN
                    RETURN QUERY SELECT e.sequence, e.id, e.type, e.data, e.time, false
                        FROM \(t.events) e WHERE e.channel = p_channel AND e.id = p_id;
                    IF FOUND THEN
                        UPDATE \(t.channels) SET last_sequence = last_sequence - 1 WHERE channel = p_channel;
                        RETURN;
                    END IF;
                END IF;
                LOOP
                    v_id := CASE WHEN p_id = '' THEN v_sequence::text ELSE p_id END;
                    INSERT INTO \(t.events) (channel, sequence, id, type, data, size, time)
                        VALUES (p_channel, v_sequence, v_id, p_type, p_data, p_size + octet_length(v_id) - octet_length(p_id), v_time)
                        ON CONFLICT (channel, id) DO NOTHING;
                    EXIT WHEN FOUND;
                    -- A publisher already used this number as an id: take the next one.
                    UPDATE \(t.channels) SET last_sequence = last_sequence + 1 WHERE channel = p_channel
                        RETURNING last_sequence INTO v_sequence;
                END LOOP;
                v_payload := v_sequence || ' ' || octet_length(p_channel) || ' ' || octet_length(v_id) || ' '
                    || octet_length(p_type) || ' ' || p_channel || v_id || p_type;
                IF p_inline AND octet_length(v_payload) + octet_length(p_data) + 2 < 8000 THEN
                    v_payload := 'e ' || v_payload || convert_from(p_data, 'UTF8');
                ELSE
                    v_payload := 'r ' || v_payload;
                END IF;
                PERFORM pg_notify('\(t.notificationChannel)', v_payload);
                RETURN QUERY SELECT v_sequence, v_id, p_type, NULL::bytea, v_time, true;
            END
            $fn$
            """,
            """
            CREATE OR REPLACE FUNCTION \(t.appendBatch)(
                p_channels text[], p_ids text[], p_types text[], p_data bytea[], p_sizes bigint[], p_inline boolean[]
            ) RETURNS TABLE (
                o_index integer, o_sequence bigint, o_id text, o_type text, o_data bytea, o_time timestamptz, o_stored boolean
            )
            LANGUAGE plpgsql AS $fn$
            DECLARE
                v_names text[];
                v_last bigint[];
                v_k integer;
                v_channel text;
                v_sequence bigint;
                v_id text;
                v_time timestamptz := clock_timestamp();
                v_payload text;
            BEGIN
                SELECT coalesce(array_agg(c ORDER BY c), '{}') INTO v_names FROM (SELECT DISTINCT c FROM unnest(p_channels) c) d;
                v_last := '{}';
                FOR v_k IN 1 .. coalesce(array_length(v_names, 1), 0) LOOP
                    INSERT INTO \(t.channels) AS c (channel, last_sequence) VALUES (v_names[v_k], 0)
                        ON CONFLICT (channel) DO UPDATE SET last_sequence = c.last_sequence
                        RETURNING c.last_sequence INTO v_sequence;
                    v_last[v_k] := v_sequence;
                END LOOP;
                FOR i IN 1 .. coalesce(array_length(p_channels, 1), 0) LOOP
                    v_channel := p_channels[i];
                    v_k := array_position(v_names, v_channel);
                    IF p_ids[i] <> '' THEN
                        RETURN QUERY SELECT i, e.sequence, e.id, e.type, e.data, e.time, false
                            FROM \(t.events) e WHERE e.channel = v_channel AND e.id = p_ids[i];
                        CONTINUE WHEN FOUND;
                    END IF;
                    LOOP
                        v_last[v_k] := v_last[v_k] + 1;
                        v_sequence := v_last[v_k];
                        v_id := CASE WHEN p_ids[i] = '' THEN v_sequence::text ELSE p_ids[i] END;
                        INSERT INTO \(t.events) (channel, sequence, id, type, data, size, time)
                            VALUES (v_channel, v_sequence, v_id, p_types[i], p_data[i],
                                p_sizes[i] + octet_length(v_id) - octet_length(p_ids[i]), v_time)
                            ON CONFLICT (channel, id) DO NOTHING;
                        EXIT WHEN FOUND;
                        -- A publisher already used this number as an id: take the next one.
                    END LOOP;
                    v_payload := v_sequence || ' ' || octet_length(v_channel) || ' ' || octet_length(v_id) || ' '
                        || octet_length(p_types[i]) || ' ' || v_channel || v_id || p_types[i];
                    IF p_inline[i] AND octet_length(v_payload) + octet_length(p_data[i]) + 2 < 8000 THEN
                        v_payload := 'e ' || v_payload || convert_from(p_data[i], 'UTF8');
                    ELSE
                        v_payload := 'r ' || v_payload;
                    END IF;
                    PERFORM pg_notify('\(t.notificationChannel)', v_payload);
                    RETURN QUERY SELECT i, v_sequence, v_id, p_types[i], NULL::bytea, v_time, true;
                END LOOP;
                -- Each counter is written once, with the last number the batch took.
                FOR v_k IN 1 .. coalesce(array_length(v_names, 1), 0) LOOP
                    UPDATE \(t.channels) SET last_sequence = v_last[v_k]
                        WHERE channel = v_names[v_k] AND last_sequence <> v_last[v_k];
                END LOOP;
            END
            $fn$
            """,
        ]
    }
}
