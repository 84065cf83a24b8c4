package app

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/iamauth"
	"github.com/gatehouse/gatehouse/internal/authz/resguard"
	"github.com/gatehouse/gatehouse/internal/authz/respolicy"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/iam"
)

// Bounds of the process-wide temporary-credential store.
const (
	maxIAMSessions   = 10000
	iamSessionRetain = time.Hour
)

// iamState is shared by every generation: temporary credentials issued by
// AssumeRole survive config reloads.
type iamState struct {
	sessions *iam.MemorySessions
}

func newIAMState(a *App) *iamState {
	return &iamState{sessions: iam.NewMemorySessions(maxIAMSessions, iamSessionRetain, a.now)}
}

// genIAM is the IAM state of one configuration generation.
type genIAM struct {
	dir  *iam.Directory
	auth *iam.Authenticator
	sts  *iam.STS
}

// now is the clock of security decisions (SigV4 skew, session expiry,
// policy time); Options.Now in tests.
func (a *App) now() time.Time {
	if a.opts.Now != nil {
		return a.opts.Now()
	}
	return time.Now()
}

func (a *App) getenv(k string) string {
	if a.opts.Getenv != nil {
		return a.opts.Getenv(k)
	}
	return os.Getenv(k)
}

// compileIAM builds the generation's IAM directory (config principals, the
// root key from GATEHOUSE_ACCESS_KEY_ID/GATEHOUSE_SECRET_ACCESS_KEY, the
// shared session store), its SigV4 authenticator and its STS handler.
func (a *App) compileIAM(cfg *config.Config) (*genIAM, error) {
	root, err := iam.RootCredentialsFromEnv(a.getenv)
	if err != nil {
		return nil, err
	}
	dir, err := iam.NewDirectory(iam.Options{IAM: cfg.IAM, Account: cfg.Settings.AccountID, Root: root, Sessions: a.iam.sessions})
	if err != nil {
		return nil, err
	}
	g := &genIAM{dir: dir}
	current := func() *iam.Directory { return g.dir }
	g.auth, err = iam.NewAuthenticator(iam.AuthenticatorOptions{
		Directory: current, Region: cfg.Settings.Region, Now: a.now,
		MaxSkew: cfg.IAM.EffectiveClockSkew(), AllowUnsignedPayload: cfg.IAM != nil && cfg.IAM.AllowUnsignedPayload,
	})
	if err != nil {
		return nil, err
	}
	g.sts, err = iam.NewSTS(iam.STSOptions{
		Directory: current, Region: cfg.Settings.Region, Now: a.now, Logger: a.log,
		MaxSkew: cfg.IAM.EffectiveClockSkew(),
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// iamAuthorizer builds the AWS_IAM authorizer for routes of api.
func (a *App) iamAuthorizer(gen *generation, api *config.API) (authz.Authorizer, error) {
	return iamauth.New(iamauth.Options{
		Authenticator: gen.iam.auth, Now: a.now,
		HasResourcePolicy: api.ResourcePolicy != nil && api.Kind == config.KindREST,
	})
}

// resourceGuard builds the resource-policy guard of api; nil when it has none.
func (a *App) resourceGuard(gen *generation, api *config.API) (authz.Guard, error) {
	if api.ResourcePolicy == nil {
		return nil, nil
	}
	if api.Kind != config.KindREST {
		return nil, fmt.Errorf("resourcePolicy: resource policies are supported on REST APIs only (kind: rest)")
	}
	types := make(map[string]respolicy.AuthType, len(api.Authorizers))
	for _, c := range api.Authorizers {
		if c.JWT != nil || c.CognitoUserPools != nil {
			types[c.Name] = respolicy.AuthCognito
		}
	}
	g, err := resguard.New(resguard.Options{
		Policy: api.ResourcePolicy.JSON, Region: gen.cfg.Settings.Region, Account: gen.cfg.Settings.AccountID,
		APIID: api.ID, AuthTypes: types, Now: a.now,
	})
	if err != nil {
		return nil, fmt.Errorf("resourcePolicy: %w", err)
	}
	for _, w := range g.Policy().Warnings {
		a.log.Info("resource policy rewritten", "api", api.Name, "field", w.Path, "note", w.Msg)
	}
	return g, nil
}

// stsHandler serves the STS Query API (AssumeRole, GetCallerIdentity) from
// the current generation's directory. The lead mounts it on the idp
// listener.
func (a *App) stsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := a.cur.Load()
		if g == nil || g.iam == nil {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		g.iam.sts.ServeHTTP(w, r)
	})
}
