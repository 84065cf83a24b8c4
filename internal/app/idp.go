package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/authz/jwtauth"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/idp/cognito"
	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/jwks"
)

// idpState is the identity provider: one per process, over the store; the
// pools a configuration declares are provisioned into it at every start and
// reload.
type idpState struct {
	server  *cognito.Server
	signer  *signer.Signer
	baseURL string
}

// openIdp binds the idp listener (so the pools' local issuer URL is known
// before the first configuration is built) and creates the server. The
// region and account are the first configuration's; changing them needs a
// restart.
func (a *App) openIdp(ctx context.Context, settings config.Settings) error {
	baseURL := ""
	if a.opts.IdpListen != "" {
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", a.opts.IdpListen)
		if err != nil {
			return fmt.Errorf("idp listener: %w", err)
		}
		a.idpLn = ln
		a.IdpAddr = ln.Addr().String()
		host, port := splitAddr(a.IdpAddr)
		baseURL = "http://" + net.JoinHostPort(strings.Trim(host, "[]"), port)
	}
	sg, err := signer.New(signer.Config{Keys: a.store, Now: a.now})
	if err != nil {
		return err
	}
	var auth cognito.Authenticator
	root, err := rootCredentials(a.getenv)
	if err != nil {
		return err
	}
	if root.id != "" {
		v, err := cognito.NewSigV4(settings.Region, root.id, root.secret, a.now)
		if err != nil {
			return err
		}
		auth = v
	}
	srv, err := cognito.New(cognito.Config{
		Store: a.store, Signer: sg, Auth: auth,
		Triggers: cognito.InvokerFunc(a.invokeTrigger),
		Region:   settings.Region, AccountID: settings.AccountID,
		BaseURL: baseURL, Now: a.now, Logger: a.log.With("component", "idp"),
	})
	if err != nil {
		return err
	}
	a.idp = &idpState{server: srv, signer: sg, baseURL: baseURL}
	return nil
}

type rootCreds struct{ id, secret string }

func rootCredentials(getenv func(string) string) (rootCreds, error) {
	id, secret := getenv("GATEHOUSE_ACCESS_KEY_ID"), getenv("GATEHOUSE_SECRET_ACCESS_KEY")
	if (id == "") != (secret == "") {
		return rootCreds{}, errors.New("set both GATEHOUSE_ACCESS_KEY_ID and GATEHOUSE_SECRET_ACCESS_KEY, or neither")
	}
	return rootCreds{id: id, secret: secret}, nil
}

// invokeTrigger runs a user-pool trigger through the current generation's
// function runner.
func (a *App) invokeTrigger(ctx context.Context, name string, event []byte) ([]byte, error) {
	g := a.cur.Load()
	if g == nil || g.runner == nil {
		return nil, fmt.Errorf("trigger function %q: no functions are configured", name)
	}
	out, fe, err := g.runner.Invoke(ctx, name, event)
	if err != nil {
		return nil, err
	}
	if fe != nil {
		return nil, &cognito.FunctionError{Message: fe.ErrorMessage}
	}
	return out, nil
}

func (a *App) lookupEnv(k string) (string, bool) {
	if a.opts.Getenv != nil {
		v := a.opts.Getenv(k)
		return v, v != ""
	}
	return os.LookupEnv(k)
}

// provisionPools applies the configuration's user pools.
func (a *App) provisionPools(ctx context.Context, gen *generation, cfg *config.Config) error {
	if len(cfg.UserPools) == 0 {
		return nil
	}
	// Relative password and secret files are relative to the config file.
	readFile := func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(filepath.Dir(a.opts.ConfigPath), name)
		}
		return os.ReadFile(name)
	}
	pools, err := a.idp.server.Provision(ctx, cfg.UserPools, cognito.Secrets{LookupEnv: a.lookupEnv, ReadFile: readFile})
	if err != nil {
		return fmt.Errorf("user pools: %w", err)
	}
	gen.pools = pools
	return nil
}

// localPool resolves a pool name, pool id, user-pool ARN or issuer URL to a
// pool served by this process.
func (a *App) localPool(gen *generation, ref string) (jwtauth.LocalPool, bool) {
	ref = strings.TrimSuffix(ref, "/")
	for _, p := range gen.pools {
		if ref == p.Name || ref == p.ID || ref == p.Issuer || strings.HasSuffix(ref, ":userpool/"+p.ID) {
			return a.poolKeys(p.ID, p.Issuer)
		}
	}
	// A pool created through the API (not declared in the config).
	if strings.HasPrefix(ref, "http") {
		if _, ok := a.idp.server.KeysForIssuer(context.Background(), ref); ok {
			i := strings.LastIndexByte(ref, '/')
			return a.poolKeys(ref[i+1:], ref)
		}
	}
	return jwtauth.LocalPool{}, false
}

func (a *App) poolKeys(poolID, issuer string) (jwtauth.LocalPool, bool) {
	keys, err := jwks.NewLocal(jwks.LocalOptions{Keys: func(ctx context.Context) (jose.JSONWebKeySet, error) {
		return a.idp.signer.JWKS(ctx, poolID)
	}})
	if err != nil {
		return jwtauth.LocalPool{}, false
	}
	return jwtauth.LocalPool{Issuer: issuer, Keys: keys}, true
}

// idpHandler serves the identity-provider listener: the Cognito JSON API
// (requests with X-Amz-Target) and the pools' well-known documents, and STS
// (form-encoded Query API on POST /).
func (a *App) idpHandler() http.Handler {
	sts := a.stsHandler()
	cog := a.idp.server.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" && r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") == "" {
			sts.ServeHTTP(w, r)
			return
		}
		cog.ServeHTTP(w, r)
	})
}
