-- 0001: initial schema. Records are JSON documents in `data`; the other
-- columns are keys and indexes only (see dialect.go for portability notes).

CREATE TABLE user_pools (
	id               TEXT    NOT NULL PRIMARY KEY,
	case_insensitive INTEGER NOT NULL,
	data             TEXT    NOT NULL
);

CREATE TABLE clients (
	client_id TEXT NOT NULL PRIMARY KEY,
	pool_id   TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
	data      TEXT NOT NULL
);
CREATE INDEX clients_pool ON clients (pool_id, client_id);

CREATE TABLE users (
	pool_id  TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
	user_key TEXT NOT NULL,
	sub      TEXT NOT NULL,
	data     TEXT NOT NULL,
	PRIMARY KEY (pool_id, user_key),
	UNIQUE (pool_id, sub)
);

CREATE TABLE user_aliases (
	pool_id   TEXT NOT NULL,
	name      TEXT NOT NULL,
	value_key TEXT NOT NULL,
	user_key  TEXT NOT NULL,
	PRIMARY KEY (pool_id, name, value_key),
	FOREIGN KEY (pool_id, user_key) REFERENCES users (pool_id, user_key) ON DELETE CASCADE
);
CREATE INDEX user_aliases_user ON user_aliases (pool_id, user_key);

CREATE TABLE user_search (
	pool_id  TEXT NOT NULL,
	user_key TEXT NOT NULL,
	attr     TEXT NOT NULL,
	value    TEXT NOT NULL,
	PRIMARY KEY (pool_id, user_key, attr),
	FOREIGN KEY (pool_id, user_key) REFERENCES users (pool_id, user_key) ON DELETE CASCADE
);
CREATE INDEX user_search_value ON user_search (pool_id, attr, value);

CREATE TABLE pool_groups (
	pool_id        TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
	name           TEXT    NOT NULL,
	precedence_key INTEGER NOT NULL,
	data           TEXT    NOT NULL,
	PRIMARY KEY (pool_id, name)
);

CREATE TABLE group_members (
	pool_id    TEXT NOT NULL,
	group_name TEXT NOT NULL,
	user_key   TEXT NOT NULL,
	PRIMARY KEY (pool_id, group_name, user_key),
	FOREIGN KEY (pool_id, group_name) REFERENCES pool_groups (pool_id, name) ON DELETE CASCADE,
	FOREIGN KEY (pool_id, user_key) REFERENCES users (pool_id, user_key) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members (pool_id, user_key);

CREATE TABLE refresh_tokens (
	hash       BLOB    NOT NULL PRIMARY KEY,
	pool_id    TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
	client_id  TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
	sub        TEXT    NOT NULL,
	origin_jti TEXT    NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked    INTEGER NOT NULL DEFAULT 0,
	revoked_at INTEGER,
	data       TEXT    NOT NULL
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (pool_id, sub);
CREATE INDEX refresh_tokens_origin ON refresh_tokens (pool_id, origin_jti);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_client ON refresh_tokens (client_id);

CREATE TABLE auth_sessions (
	id         TEXT    NOT NULL PRIMARY KEY,
	pool_id    TEXT    NOT NULL,
	expires_at INTEGER NOT NULL,
	data       TEXT    NOT NULL
);
CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);
CREATE INDEX auth_sessions_pool ON auth_sessions (pool_id);

CREATE TABLE signing_keys (
	pool_id TEXT NOT NULL PRIMARY KEY REFERENCES user_pools (id) ON DELETE CASCADE,
	data    TEXT NOT NULL
);

CREATE TABLE meta (
	key   TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
);
