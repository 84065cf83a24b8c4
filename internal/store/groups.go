package store

import (
	"context"
	"time"
)

// GroupStore persists groups and memberships. Every method returns
// ErrNotFound when the pool, group or user it names does not exist.
type GroupStore interface {
	// CreateGroup stores g. ErrConflict if the name exists in the pool.
	CreateGroup(ctx context.Context, g Group) error
	GetGroup(ctx context.Context, poolID, name string) (Group, error)
	// ListGroups lists a pool's groups ordered by name.
	ListGroups(ctx context.Context, poolID string, opts ListOptions) (groups []Group, next string, err error)
	// UpdateGroup replaces the group with fn's result inside one transaction.
	// ErrPrecondition if fn changes PoolID or Name.
	UpdateGroup(ctx context.Context, poolID, name string, fn func(Group) (Group, error)) error
	// DeleteGroup deletes the group and its memberships (members may exist).
	DeleteGroup(ctx context.Context, poolID, name string) error
	// AddUserToGroup adds a membership; adding an existing one is a no-op.
	AddUserToGroup(ctx context.Context, poolID, group, username string) error
	// RemoveUserFromGroup removes a membership; removing a missing one is a no-op.
	RemoveUserFromGroup(ctx context.Context, poolID, group, username string) error
	// ListGroupsForUser lists the user's groups ordered by precedence
	// (lowest first, groups without precedence last), then name.
	ListGroupsForUser(ctx context.Context, poolID, username string, opts ListOptions) (groups []Group, next string, err error)
	// ListUsersInGroup lists members ordered by normalized username.
	ListUsersInGroup(ctx context.Context, poolID, group string, opts ListOptions) (users []User, next string, err error)
}

// Group is a user-pool group.
type Group struct {
	PoolID      string `json:"poolId"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Precedence is nil when unset; lower values take priority.
	Precedence *int64    `json:"precedence,omitempty"`
	RoleArn    string    `json:"roleArn,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// PrecedenceKey is the sort key of a group's precedence: its value, or
// math.MaxInt64 when unset, so unset sorts last.
func (g Group) PrecedenceKey() int64 {
	if g.Precedence == nil {
		return 1<<63 - 1
	}
	return *g.Precedence
}
