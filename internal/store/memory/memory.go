package memory

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Store is the in-memory backend. The zero value is not usable; call New.
type Store struct {
	mu     sync.Mutex
	closed bool

	pools    map[string]store.UserPool
	clients  map[string]store.Client          // by client id
	users    map[string]map[string]store.User // pool -> username key -> user
	subs     map[string]map[string]string     // pool -> sub -> username key
	aliases  map[string]map[aliasKey]string   // pool -> alias -> username key
	groups   map[string]map[string]store.Group
	members  map[string]map[string]map[string]bool // pool -> group -> username key
	refresh  map[string]store.RefreshToken         // by string(hash)
	sessions map[string]store.AuthSession
	keys     map[string]store.KeySet
	meta     map[string]string
}

type aliasKey struct{ name, value string }

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		pools:    map[string]store.UserPool{},
		clients:  map[string]store.Client{},
		users:    map[string]map[string]store.User{},
		subs:     map[string]map[string]string{},
		aliases:  map[string]map[aliasKey]string{},
		groups:   map[string]map[string]store.Group{},
		members:  map[string]map[string]map[string]bool{},
		refresh:  map[string]store.RefreshToken{},
		sessions: map[string]store.AuthSession{},
		keys:     map[string]store.KeySet{},
		meta:     map[string]string{},
	}
}

// Close marks the store closed; later calls fail.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// lock takes the mutex and checks the context and the closed flag.
func (s *Store) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("memory store: closed")
	}
	return nil
}

// clone deep-copies v through JSON, the representation SQL backends persist.
func clone[T any](v T) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		return out, fmt.Errorf("copy value: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("copy value: %w", err)
	}
	return out, nil
}

// page returns one page of items sorted by keyFn (already sorted by caller)
// after the cursor, plus the next token.
func page[T any](items []T, opts store.ListOptions, key func(T) []string, less func(a, b []string) int) ([]T, string, error) {
	parts := len(key(*new(T)))
	cur, err := store.DecodeCursor(opts.Token, parts)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if cur != nil {
		start = len(items)
		for i, it := range items {
			if less(key(it), cur) > 0 {
				start = i
				break
			}
		}
	}
	limit := opts.PageLimit()
	end := min(start+limit, len(items))
	out := make([]T, 0, end-start)
	for _, it := range items[start:end] {
		c, err := clone(it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	next := ""
	if end < len(items) {
		next = store.EncodeCursor(key(items[end-1])...)
	}
	return out, next, nil
}

func cmpStrings(a, b []string) int { return slices.Compare(a, b) }

// ---- user pools ----

func (s *Store) CreateUserPool(ctx context.Context, p store.UserPool) error {
	if p.ID == "" {
		return fmt.Errorf("create user pool: empty id: %w", store.ErrInvalid)
	}
	c, err := clone(p)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.pools[p.ID]; ok {
		return fmt.Errorf("create user pool %q: %w", p.ID, store.ErrConflict)
	}
	s.pools[p.ID] = c
	s.users[p.ID] = map[string]store.User{}
	s.subs[p.ID] = map[string]string{}
	s.aliases[p.ID] = map[aliasKey]string{}
	s.groups[p.ID] = map[string]store.Group{}
	s.members[p.ID] = map[string]map[string]bool{}
	return nil
}

func (s *Store) GetUserPool(ctx context.Context, id string) (store.UserPool, error) {
	if err := s.lock(ctx); err != nil {
		return store.UserPool{}, err
	}
	defer s.mu.Unlock()
	p, ok := s.pools[id]
	if !ok {
		return store.UserPool{}, fmt.Errorf("get user pool %q: %w", id, store.ErrNotFound)
	}
	return clone(p)
}

func (s *Store) ListUserPools(ctx context.Context, opts store.ListOptions) ([]store.UserPool, string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	items := sortedValues(s.pools)
	return page(items, opts, func(p store.UserPool) []string { return []string{p.ID} }, cmpStrings)
}

func sortedValues[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]V, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

func (s *Store) UpdateUserPool(ctx context.Context, id string, fn func(store.UserPool) (store.UserPool, error)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p, ok := s.pools[id]
	if !ok {
		return fmt.Errorf("update user pool %q: %w", id, store.ErrNotFound)
	}
	in, err := clone(p)
	if err != nil {
		return err
	}
	out, err := fn(in)
	if err != nil {
		return fmt.Errorf("update user pool %q: %w", id, err)
	}
	if out.ID != id {
		return fmt.Errorf("update user pool %q: id changed: %w", id, store.ErrPrecondition)
	}
	if out.Settings.UsernameCaseInsensitive != p.Settings.UsernameCaseInsensitive && len(s.users[id]) > 0 {
		return fmt.Errorf("update user pool %q: case sensitivity changed while users exist: %w", id, store.ErrPrecondition)
	}
	c, err := clone(out)
	if err != nil {
		return err
	}
	s.pools[id] = c
	return nil
}

func (s *Store) DeleteUserPool(ctx context.Context, id string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.pools[id]; !ok {
		return fmt.Errorf("delete user pool %q: %w", id, store.ErrNotFound)
	}
	delete(s.pools, id)
	delete(s.users, id)
	delete(s.subs, id)
	delete(s.aliases, id)
	delete(s.groups, id)
	delete(s.members, id)
	delete(s.keys, id)
	for k, c := range s.clients {
		if c.PoolID == id {
			delete(s.clients, k)
		}
	}
	for k, t := range s.refresh {
		if t.PoolID == id {
			delete(s.refresh, k)
		}
	}
	for k, ss := range s.sessions {
		if ss.PoolID == id {
			delete(s.sessions, k)
		}
	}
	return nil
}

// ---- clients ----

func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	if c.ClientID == "" {
		return fmt.Errorf("create client: empty id: %w", store.ErrInvalid)
	}
	cc, err := clone(c)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.pools[c.PoolID]; !ok {
		return fmt.Errorf("create client: pool %q: %w", c.PoolID, store.ErrNotFound)
	}
	if _, ok := s.clients[c.ClientID]; ok {
		return fmt.Errorf("create client %q: %w", c.ClientID, store.ErrConflict)
	}
	s.clients[c.ClientID] = cc
	return nil
}

func (s *Store) GetClient(ctx context.Context, poolID, clientID string) (store.Client, error) {
	if err := s.lock(ctx); err != nil {
		return store.Client{}, err
	}
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok || c.PoolID != poolID {
		return store.Client{}, fmt.Errorf("get client %q: %w", clientID, store.ErrNotFound)
	}
	return clone(c)
}

func (s *Store) FindClient(ctx context.Context, clientID string) (store.Client, error) {
	if err := s.lock(ctx); err != nil {
		return store.Client{}, err
	}
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok {
		return store.Client{}, fmt.Errorf("find client %q: %w", clientID, store.ErrNotFound)
	}
	return clone(c)
}

func (s *Store) ListClients(ctx context.Context, poolID string, opts store.ListOptions) ([]store.Client, string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	if _, ok := s.pools[poolID]; !ok {
		return nil, "", fmt.Errorf("list clients: pool %q: %w", poolID, store.ErrNotFound)
	}
	var items []store.Client
	for _, c := range sortedValues(s.clients) {
		if c.PoolID == poolID {
			items = append(items, c)
		}
	}
	return page(items, opts, func(c store.Client) []string { return []string{c.ClientID} }, cmpStrings)
}

func (s *Store) UpdateClient(ctx context.Context, poolID, clientID string, fn func(store.Client) (store.Client, error)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok || c.PoolID != poolID {
		return fmt.Errorf("update client %q: %w", clientID, store.ErrNotFound)
	}
	in, err := clone(c)
	if err != nil {
		return err
	}
	out, err := fn(in)
	if err != nil {
		return fmt.Errorf("update client %q: %w", clientID, err)
	}
	if out.PoolID != poolID || out.ClientID != clientID {
		return fmt.Errorf("update client %q: identity changed: %w", clientID, store.ErrPrecondition)
	}
	cc, err := clone(out)
	if err != nil {
		return err
	}
	s.clients[clientID] = cc
	return nil
}

func (s *Store) DeleteClient(ctx context.Context, poolID, clientID string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	c, ok := s.clients[clientID]
	if !ok || c.PoolID != poolID {
		return fmt.Errorf("delete client %q: %w", clientID, store.ErrNotFound)
	}
	delete(s.clients, clientID)
	for k, t := range s.refresh {
		if t.ClientID == clientID {
			delete(s.refresh, k)
		}
	}
	return nil
}

// ---- users ----

func (s *Store) pool(poolID string) (store.UserPool, error) {
	p, ok := s.pools[poolID]
	if !ok {
		return p, fmt.Errorf("pool %q: %w", poolID, store.ErrNotFound)
	}
	return p, nil
}

// aliasKeys validates and normalizes a user's aliases.
func aliasKeys(u store.User, ci bool) ([]aliasKey, error) {
	keys, err := store.AliasKeys(u, ci)
	if err != nil {
		return nil, err
	}
	out := make([]aliasKey, len(keys))
	for i, k := range keys {
		out[i] = aliasKey{k.Name, k.Value}
	}
	return out, nil
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.Username == "" || u.Sub == "" {
		return fmt.Errorf("create user: empty username or sub: %w", store.ErrInvalid)
	}
	c, err := clone(u)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p, err := s.pool(u.PoolID)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	ci := p.Settings.UsernameCaseInsensitive
	key := store.NormalizeKey(u.Username, ci)
	if _, ok := s.users[u.PoolID][key]; ok {
		return fmt.Errorf("create user %q: %w", u.Username, store.ErrConflict)
	}
	if _, ok := s.subs[u.PoolID][u.Sub]; ok {
		return fmt.Errorf("create user %q: sub: %w", u.Username, store.ErrConflict)
	}
	aks, err := aliasKeys(u, ci)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, err)
	}
	for _, ak := range aks {
		if _, ok := s.aliases[u.PoolID][ak]; ok {
			return fmt.Errorf("create user %q: alias %s: %w", u.Username, ak.name, store.ErrConflict)
		}
	}
	s.users[u.PoolID][key] = c
	s.subs[u.PoolID][u.Sub] = key
	for _, ak := range aks {
		s.aliases[u.PoolID][ak] = key
	}
	return nil
}

func (s *Store) GetUser(ctx context.Context, poolID, username string) (store.User, error) {
	if err := s.lock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.Unlock()
	p, err := s.pool(poolID)
	if err != nil {
		return store.User{}, fmt.Errorf("get user: %w", err)
	}
	u, ok := s.users[poolID][store.NormalizeKey(username, p.Settings.UsernameCaseInsensitive)]
	if !ok {
		return store.User{}, fmt.Errorf("get user %q: %w", username, store.ErrNotFound)
	}
	return clone(u)
}

func (s *Store) GetUserBySub(ctx context.Context, poolID, sub string) (store.User, error) {
	if err := s.lock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(poolID); err != nil {
		return store.User{}, fmt.Errorf("get user by sub: %w", err)
	}
	key, ok := s.subs[poolID][sub]
	if !ok {
		return store.User{}, fmt.Errorf("get user by sub: %w", store.ErrNotFound)
	}
	return clone(s.users[poolID][key])
}

func (s *Store) GetUserByAlias(ctx context.Context, poolID, name, value string) (store.User, error) {
	if err := s.lock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.Unlock()
	p, err := s.pool(poolID)
	if err != nil {
		return store.User{}, fmt.Errorf("get user by alias: %w", err)
	}
	key, ok := s.aliases[poolID][aliasKey{name, store.NormalizeKey(value, p.Settings.UsernameCaseInsensitive)}]
	if !ok {
		return store.User{}, fmt.Errorf("get user by alias %s: %w", name, store.ErrNotFound)
	}
	return clone(s.users[poolID][key])
}

func userKeyFn(ci bool) func(u store.User) []string {
	return func(u store.User) []string { return []string{store.NormalizeKey(u.Username, ci)} }
}

func (s *Store) ListUsers(ctx context.Context, poolID string, opts store.ListUsersOptions) ([]store.User, string, error) {
	if opts.Filter != nil && !store.IsSearchable(opts.Filter.Attribute) {
		return nil, "", fmt.Errorf("list users: attribute %q not searchable: %w", opts.Filter.Attribute, store.ErrInvalid)
	}
	if err := s.lock(ctx); err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	p, err := s.pool(poolID)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	ci := p.Settings.UsernameCaseInsensitive
	var items []store.User
	for _, u := range sortedValues(s.users[poolID]) {
		if opts.Filter == nil || opts.Filter.Match(u, ci) {
			items = append(items, u)
		}
	}
	return page(items, opts.ListOptions, userKeyFn(ci), cmpStrings)
}

func (s *Store) CountUsers(ctx context.Context, poolID string) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(poolID); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return len(s.users[poolID]), nil
}

func (s *Store) UpdateUser(ctx context.Context, poolID, username string, fn func(store.User) (store.User, error)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p, err := s.pool(poolID)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	ci := p.Settings.UsernameCaseInsensitive
	key := store.NormalizeKey(username, ci)
	old, ok := s.users[poolID][key]
	if !ok {
		return fmt.Errorf("update user %q: %w", username, store.ErrNotFound)
	}
	in, err := clone(old)
	if err != nil {
		return err
	}
	out, err := fn(in)
	if err != nil {
		return fmt.Errorf("update user %q: %w", username, err)
	}
	if out.PoolID != poolID || out.Username != old.Username || out.Sub != old.Sub {
		return fmt.Errorf("update user %q: identity changed: %w", username, store.ErrPrecondition)
	}
	aks, err := aliasKeys(out, ci)
	if err != nil {
		return fmt.Errorf("update user %q: %w", username, err)
	}
	for _, ak := range aks {
		if holder, ok := s.aliases[poolID][ak]; ok && holder != key {
			return fmt.Errorf("update user %q: alias %s: %w", username, ak.name, store.ErrConflict)
		}
	}
	c, err := clone(out)
	if err != nil {
		return err
	}
	oldAks, _ := aliasKeys(old, ci)
	for _, ak := range oldAks {
		delete(s.aliases[poolID], ak)
	}
	for _, ak := range aks {
		s.aliases[poolID][ak] = key
	}
	s.users[poolID][key] = c
	return nil
}

func (s *Store) DeleteUser(ctx context.Context, poolID, username string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	p, err := s.pool(poolID)
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	ci := p.Settings.UsernameCaseInsensitive
	key := store.NormalizeKey(username, ci)
	u, ok := s.users[poolID][key]
	if !ok {
		return fmt.Errorf("delete user %q: %w", username, store.ErrNotFound)
	}
	delete(s.users[poolID], key)
	delete(s.subs[poolID], u.Sub)
	aks, _ := aliasKeys(u, ci)
	for _, ak := range aks {
		delete(s.aliases[poolID], ak)
	}
	for _, m := range s.members[poolID] {
		delete(m, key)
	}
	for k, t := range s.refresh {
		if t.PoolID == poolID && t.Sub == u.Sub {
			delete(s.refresh, k)
		}
	}
	return nil
}

// ---- groups ----

func (s *Store) CreateGroup(ctx context.Context, g store.Group) error {
	if g.Name == "" {
		return fmt.Errorf("create group: empty name: %w", store.ErrInvalid)
	}
	c, err := clone(g)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(g.PoolID); err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	if _, ok := s.groups[g.PoolID][g.Name]; ok {
		return fmt.Errorf("create group %q: %w", g.Name, store.ErrConflict)
	}
	s.groups[g.PoolID][g.Name] = c
	s.members[g.PoolID][g.Name] = map[string]bool{}
	return nil
}

func (s *Store) GetGroup(ctx context.Context, poolID, name string) (store.Group, error) {
	if err := s.lock(ctx); err != nil {
		return store.Group{}, err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(poolID); err != nil {
		return store.Group{}, fmt.Errorf("get group: %w", err)
	}
	g, ok := s.groups[poolID][name]
	if !ok {
		return store.Group{}, fmt.Errorf("get group %q: %w", name, store.ErrNotFound)
	}
	return clone(g)
}

func (s *Store) ListGroups(ctx context.Context, poolID string, opts store.ListOptions) ([]store.Group, string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(poolID); err != nil {
		return nil, "", fmt.Errorf("list groups: %w", err)
	}
	return page(sortedValues(s.groups[poolID]), opts, func(g store.Group) []string { return []string{g.Name} }, cmpStrings)
}

func (s *Store) UpdateGroup(ctx context.Context, poolID, name string, fn func(store.Group) (store.Group, error)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(poolID); err != nil {
		return fmt.Errorf("update group: %w", err)
	}
	g, ok := s.groups[poolID][name]
	if !ok {
		return fmt.Errorf("update group %q: %w", name, store.ErrNotFound)
	}
	in, err := clone(g)
	if err != nil {
		return err
	}
	out, err := fn(in)
	if err != nil {
		return fmt.Errorf("update group %q: %w", name, err)
	}
	if out.PoolID != poolID || out.Name != name {
		return fmt.Errorf("update group %q: identity changed: %w", name, store.ErrPrecondition)
	}
	c, err := clone(out)
	if err != nil {
		return err
	}
	s.groups[poolID][name] = c
	return nil
}

func (s *Store) DeleteGroup(ctx context.Context, poolID, name string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(poolID); err != nil {
		return fmt.Errorf("delete group: %w", err)
	}
	if _, ok := s.groups[poolID][name]; !ok {
		return fmt.Errorf("delete group %q: %w", name, store.ErrNotFound)
	}
	delete(s.groups[poolID], name)
	delete(s.members[poolID], name)
	return nil
}

// member resolves a pool, group and user for membership operations.
func (s *Store) member(poolID, group, username string) (string, error) {
	p, err := s.pool(poolID)
	if err != nil {
		return "", err
	}
	if _, ok := s.groups[poolID][group]; !ok {
		return "", fmt.Errorf("group %q: %w", group, store.ErrNotFound)
	}
	key := store.NormalizeKey(username, p.Settings.UsernameCaseInsensitive)
	if _, ok := s.users[poolID][key]; !ok {
		return "", fmt.Errorf("user %q: %w", username, store.ErrNotFound)
	}
	return key, nil
}

func (s *Store) AddUserToGroup(ctx context.Context, poolID, group, username string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	key, err := s.member(poolID, group, username)
	if err != nil {
		return fmt.Errorf("add user to group: %w", err)
	}
	s.members[poolID][group][key] = true
	return nil
}

func (s *Store) RemoveUserFromGroup(ctx context.Context, poolID, group, username string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	key, err := s.member(poolID, group, username)
	if err != nil {
		return fmt.Errorf("remove user from group: %w", err)
	}
	delete(s.members[poolID][group], key)
	return nil
}

func groupOrderKey(g store.Group) []string {
	return []string{strconv.FormatInt(g.PrecedenceKey(), 10), g.Name}
}

// cmpGroupOrder compares (precedence, name) keys numerically then by name.
func cmpGroupOrder(a, b []string) int {
	pa, _ := strconv.ParseInt(a[0], 10, 64)
	pb, _ := strconv.ParseInt(b[0], 10, 64)
	if c := cmp.Compare(pa, pb); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
}

func (s *Store) ListGroupsForUser(ctx context.Context, poolID, username string, opts store.ListOptions) ([]store.Group, string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	p, err := s.pool(poolID)
	if err != nil {
		return nil, "", fmt.Errorf("list groups for user: %w", err)
	}
	key := store.NormalizeKey(username, p.Settings.UsernameCaseInsensitive)
	if _, ok := s.users[poolID][key]; !ok {
		return nil, "", fmt.Errorf("list groups for user %q: %w", username, store.ErrNotFound)
	}
	if opts.Token != "" {
		cur, err := store.DecodeCursor(opts.Token, 2)
		if err != nil {
			return nil, "", err
		}
		if _, err := strconv.ParseInt(cur[0], 10, 64); err != nil {
			return nil, "", fmt.Errorf("decode page token: %w", store.ErrInvalid)
		}
	}
	var items []store.Group
	for name, m := range s.members[poolID] {
		if m[key] {
			items = append(items, s.groups[poolID][name])
		}
	}
	slices.SortFunc(items, func(a, b store.Group) int { return cmpGroupOrder(groupOrderKey(a), groupOrderKey(b)) })
	return page(items, opts, groupOrderKey, cmpGroupOrder)
}

func (s *Store) ListUsersInGroup(ctx context.Context, poolID, group string, opts store.ListOptions) ([]store.User, string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	p, err := s.pool(poolID)
	if err != nil {
		return nil, "", fmt.Errorf("list users in group: %w", err)
	}
	m, ok := s.members[poolID][group]
	if !ok {
		return nil, "", fmt.Errorf("list users in group %q: %w", group, store.ErrNotFound)
	}
	var items []store.User
	for _, u := range sortedValues(s.users[poolID]) {
		if m[store.NormalizeKey(u.Username, p.Settings.UsernameCaseInsensitive)] {
			items = append(items, u)
		}
	}
	return page(items, opts, userKeyFn(p.Settings.UsernameCaseInsensitive), cmpStrings)
}

// ---- refresh tokens and sessions ----

func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	if len(t.Hash) == 0 {
		return fmt.Errorf("create refresh token: empty hash: %w", store.ErrInvalid)
	}
	c, err := clone(t)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(t.PoolID); err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	if cl, ok := s.clients[t.ClientID]; !ok || cl.PoolID != t.PoolID {
		return fmt.Errorf("create refresh token: client: %w", store.ErrNotFound)
	}
	if _, ok := s.refresh[string(t.Hash)]; ok {
		return fmt.Errorf("create refresh token: %w", store.ErrConflict)
	}
	s.refresh[string(t.Hash)] = c
	return nil
}

func (s *Store) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	if err := s.lock(ctx); err != nil {
		return store.RefreshToken{}, err
	}
	defer s.mu.Unlock()
	t, ok := s.refresh[string(hash)]
	if !ok {
		return store.RefreshToken{}, fmt.Errorf("get refresh token: %w", store.ErrNotFound)
	}
	return clone(t)
}

func (s *Store) RevokeRefreshToken(ctx context.Context, hash []byte, at time.Time) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	t, ok := s.refresh[string(hash)]
	if !ok {
		return fmt.Errorf("revoke refresh token: %w", store.ErrNotFound)
	}
	for k, o := range s.refresh {
		if bytes.Equal(o.Hash, hash) || (t.OriginJTI != "" && o.PoolID == t.PoolID && o.OriginJTI == t.OriginJTI) {
			if !o.Revoked {
				o.Revoked, o.RevokedAt = true, at
				s.refresh[k] = o
			}
		}
	}
	return nil
}

func (s *Store) RevokeUserRefreshTokens(ctx context.Context, poolID, sub string, at time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(poolID); err != nil {
		return 0, fmt.Errorf("revoke user refresh tokens: %w", err)
	}
	n := 0
	for k, o := range s.refresh {
		if o.PoolID == poolID && o.Sub == sub && !o.Revoked {
			o.Revoked, o.RevokedAt = true, at
			s.refresh[k] = o
			n++
		}
	}
	return n, nil
}

func (s *Store) IsOriginRevoked(ctx context.Context, poolID, originJTI string) (bool, error) {
	if err := s.lock(ctx); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	for _, o := range s.refresh {
		if o.PoolID == poolID && o.OriginJTI == originJTI && o.Revoked {
			return true, nil
		}
	}
	return false, nil
}

func (s *Store) DeleteExpiredRefreshTokens(ctx context.Context, now time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for k, o := range s.refresh {
		if !o.ExpiresAt.After(now) {
			delete(s.refresh, k)
			n++
		}
	}
	return n, nil
}

func (s *Store) CreateSession(ctx context.Context, ss store.AuthSession) error {
	if ss.ID == "" {
		return fmt.Errorf("create session: empty id: %w", store.ErrInvalid)
	}
	c, err := clone(ss)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.sessions[ss.ID]; ok {
		return fmt.Errorf("create session: %w", store.ErrConflict)
	}
	s.sessions[ss.ID] = c
	return nil
}

func (s *Store) TakeSession(ctx context.Context, id string, now time.Time) (store.AuthSession, error) {
	if err := s.lock(ctx); err != nil {
		return store.AuthSession{}, err
	}
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok {
		return store.AuthSession{}, fmt.Errorf("take session: %w", store.ErrNotFound)
	}
	delete(s.sessions, id)
	if !ss.ExpiresAt.After(now) {
		return store.AuthSession{}, fmt.Errorf("take session: expired: %w", store.ErrNotFound)
	}
	return ss, nil
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for k, o := range s.sessions {
		if !o.ExpiresAt.After(now) {
			delete(s.sessions, k)
			n++
		}
	}
	return n, nil
}

// ---- signing keys ----

func (s *Store) GetKeys(ctx context.Context, poolID string) (store.KeySet, error) {
	if err := s.lock(ctx); err != nil {
		return store.KeySet{}, err
	}
	defer s.mu.Unlock()
	ks, ok := s.keys[poolID]
	if !ok {
		return store.KeySet{}, fmt.Errorf("get keys for pool %q: %w", poolID, store.ErrNotFound)
	}
	return clone(ks)
}

func (s *Store) UpdateKeys(ctx context.Context, poolID string, fn func(store.KeySet) (store.KeySet, error)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.pool(poolID); err != nil {
		return fmt.Errorf("update keys: %w", err)
	}
	in := store.KeySet{PoolID: poolID}
	if ks, ok := s.keys[poolID]; ok {
		c, err := clone(ks)
		if err != nil {
			return err
		}
		in = c
	}
	out, err := fn(in)
	if err != nil {
		return fmt.Errorf("update keys for pool %q: %w", poolID, err)
	}
	if out.PoolID != poolID {
		return fmt.Errorf("update keys for pool %q: pool id changed: %w", poolID, store.ErrPrecondition)
	}
	c, err := clone(out)
	if err != nil {
		return err
	}
	s.keys[poolID] = c
	return nil
}

// ---- meta ----

func (s *Store) GetMeta(ctx context.Context, key string) (string, error) {
	if err := s.lock(ctx); err != nil {
		return "", err
	}
	defer s.mu.Unlock()
	v, ok := s.meta[key]
	if !ok {
		return "", fmt.Errorf("get meta %q: %w", key, store.ErrNotFound)
	}
	return v, nil
}

func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.meta[key] = value
	return nil
}

func (s *Store) DeleteMeta(ctx context.Context, key string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(s.meta, key)
	return nil
}
