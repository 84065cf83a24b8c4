package cognito

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/idp/tokens"
	"github.com/gatehouse/gatehouse/internal/store"
)

// TargetPrefix is the X-Amz-Target prefix of the Cognito API.
const TargetPrefix = "AWSCognitoIdentityProviderService."

const contentType = "application/x-amz-json-1.1"

// Defaults.
const (
	DefaultMaxBodyBytes = 256 << 10
	DefaultSRPWindow    = 5 * time.Minute
	DefaultRegion       = "us-east-1"
	DefaultAccountID    = "123456789012"
)

// Authenticator checks the SigV4 signature of a management or Admin*
// request. body is the complete request body. It returns nil when the
// caller holds the root credentials, or an *APIError to send.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, body []byte) error
}

// Config configures a Server.
type Config struct {
	Store store.Store
	// Signer holds the pools' signing keys (required).
	Signer *signer.Signer
	// Auth verifies SigV4 on signed operations. nil refuses every signed
	// operation (fail closed).
	Auth Authenticator
	// Triggers invokes Lambda triggers; nil makes any configured trigger
	// fail with UnexpectedLambdaException.
	Triggers TriggerInvoker
	// Region and AccountID appear in pool ids, ARNs and trigger events.
	Region    string
	AccountID string
	// BaseURL is the idp listener's external URL (no trailing slash); the
	// local issuer of a pool is BaseURL + "/" + poolId.
	BaseURL string
	Now     func() time.Time
	Rand    io.Reader
	Logger  *slog.Logger
	// Hash sets the argon2id parameters (zero = DefaultHashParams).
	Hash HashParams
	// MaxBodyBytes bounds request bodies (default 256 KiB).
	MaxBodyBytes int64
	// SRPWindow bounds the time between the SRP challenge and its answer,
	// and the allowed TIMESTAMP skew (default 5 minutes).
	SRPWindow time.Duration
	// Secret keys the deterministic fake SRP parameters for unknown users;
	// random when empty.
	Secret []byte
	// OutboxSize bounds the retained delivered messages (default 1000).
	OutboxSize int
}

// Server implements the Cognito API. Create with New.
type Server struct {
	cfg    Config
	st     store.Store
	issuer *tokens.Issuer
	ops    map[string]operation
	outbox *Outbox
	source *sourceLimiter
	log    *slog.Logger
	// dummy is a hash checked for unknown users to even out timing.
	dummy []byte
}

type authClass int

const (
	classSigned authClass = iota
	classPublic
)

type operation struct {
	class authClass
	fn    func(ctx context.Context, c *call) (any, error)
}

// call is one decoded API request.
type call struct {
	op     string
	body   []byte
	source string
}

// decode unmarshals the body into v.
func (c *call) decode(v any) error {
	body := c.body
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return apiErr(excInvalidParameter, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have the right type", te.Field)
		}
		return apiErr(excInvalidParameter, "Invalid JSON in request body")
	}
	return nil
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Signer == nil {
		return nil, errors.New("cognito: store and signer are required")
	}
	if cfg.Now == nil {
		return nil, errors.New("cognito: clock is required")
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.SRPWindow <= 0 {
		cfg.SRPWindow = DefaultSRPWindow
	}
	if cfg.Hash == (HashParams{}) {
		cfg.Hash = DefaultHashParams
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		if _, err := io.ReadFull(cfg.Rand, cfg.Secret); err != nil {
			return nil, fmt.Errorf("cognito: read secret: %w", err)
		}
	}
	if cfg.OutboxSize <= 0 {
		cfg.OutboxSize = 1000
	}
	s := &Server{
		cfg:    cfg,
		st:     cfg.Store,
		outbox: newOutbox(cfg.OutboxSize),
		source: newSourceLimiter(10000, cfg.Now),
		log:    cfg.Logger,
	}
	dummy, err := hashPassword(cfg.Rand, cfg.Hash, "gatehouse-dummy-password")
	if err != nil {
		return nil, err
	}
	s.dummy = dummy
	s.issuer = tokens.New(cfg.Signer, cfg.Now, func() string { return s.newUUID() })
	s.ops = s.operations()
	return s, nil
}

func (s *Server) newUUID() string {
	u, err := uuid.NewRandomFromReader(s.cfg.Rand)
	if err != nil {
		return uuid.NewString()
	}
	return u.String()
}

// Outbox returns the store of delivered confirmation/reset messages.
func (s *Server) Outbox() *Outbox { return s.outbox }

// Mount registers the API and well-known routes on mux.
func (s *Server) Mount(mux *http.ServeMux) {
	mux.HandleFunc("POST /{$}", s.serveAPI)
	mux.HandleFunc("OPTIONS /{$}", s.servePreflight)
	mux.HandleFunc("GET /{poolId}/.well-known/jwks.json", s.serveJWKS)
	mux.HandleFunc("GET /{poolId}/.well-known/openid-configuration", s.serveDiscovery)
}

// Handler returns an http.Handler serving everything Mount registers.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Mount(mux)
	return mux
}

func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date")
}

func (s *Server) servePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	setCORS(h)
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "content-type,x-amz-target,x-amz-user-agent,cache-control,authorization,x-amz-date,x-amz-security-token,x-amz-content-sha256,amz-sdk-invocation-id,amz-sdk-request")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusOK)
}

func (s *Server) writeJSON(w http.ResponseWriter, reqID string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"__type":"InternalErrorException","message":"Internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("x-amzn-RequestId", reqID)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	setCORS(h)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) writeError(w http.ResponseWriter, reqID string, e *APIError) {
	h := w.Header()
	h.Set("x-amzn-ErrorType", e.Type+":")
	h.Set("x-amzn-ErrorMessage", e.Message)
	s.writeJSON(w, reqID, e.Status, map[string]string{"__type": e.Type, "message": e.Message})
}

func sourceOf(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	reqID := s.newUUID()
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		e := apiErr(excInvalidParameter, "Request body too large or unreadable")
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			e.Status = http.StatusRequestEntityTooLarge
		}
		s.writeError(w, reqID, e)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, TargetPrefix)
	op, known := s.ops[name]
	if !ok || !known {
		s.writeError(w, reqID, apiErr(excUnknownOperation, "Unknown operation %q", limitString(target, 128)))
		return
	}
	if op.class == classSigned {
		if s.cfg.Auth == nil {
			s.writeError(w, reqID, &APIError{Type: "MissingAuthenticationTokenException", Message: "Missing Authentication Token", Status: http.StatusForbidden})
			return
		}
		if err := s.cfg.Auth.Authenticate(r.Context(), r, body); err != nil {
			var ae *APIError
			if !errors.As(err, &ae) {
				s.log.LogAttrs(r.Context(), slog.LevelError, "authenticate", slog.String("request_id", reqID), slog.String("error", err.Error()))
				ae = internalErr()
			}
			s.writeError(w, reqID, ae)
			return
		}
	}
	c := &call{op: name, body: body, source: sourceOf(r)}
	out, err := s.invoke(r.Context(), op, c)
	if err != nil {
		var ae *APIError
		if !errors.As(err, &ae) {
			s.log.LogAttrs(r.Context(), slog.LevelError, "cognito operation failed", slog.String("request_id", reqID), slog.String("operation", name), slog.String("error", err.Error()))
			ae = internalErr()
		}
		s.writeError(w, reqID, ae)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	s.writeJSON(w, reqID, http.StatusOK, out)
}

// invoke runs an operation and turns a panic into an internal error so
// nothing a client sends can take the listener down.
func (s *Server) invoke(ctx context.Context, op operation, c *call) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.LogAttrs(ctx, slog.LevelError, "cognito operation panicked", slog.String("operation", c.op), slog.Any("panic", p))
			out, err = nil, internalErr()
		}
	}()
	return op.fn(ctx, c)
}

func limitString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Issuer returns the `iss` of a pool's tokens.
func (s *Server) Issuer(p store.UserPool) string {
	switch {
	case p.Settings.Tokens.Issuer != "":
		return strings.TrimSuffix(p.Settings.Tokens.Issuer, "/")
	case p.Settings.Tokens.AWSIssuer:
		return "https://cognito-idp." + regionOf(p.ID, s.cfg.Region) + ".amazonaws.com/" + p.ID
	}
	return strings.TrimSuffix(s.cfg.BaseURL, "/") + "/" + p.ID
}

func regionOf(poolID, def string) string {
	if r, _, ok := strings.Cut(poolID, "_"); ok && r != "" {
		return r
	}
	return def
}

// KeysForIssuer returns the JWKS of the pool whose issuer is iss, for the
// gateway's in-process JWT authorizer.
func (s *Server) KeysForIssuer(ctx context.Context, iss string) (jose.JSONWebKeySet, bool) {
	i := strings.LastIndexByte(iss, '/')
	if i < 0 {
		return jose.JSONWebKeySet{}, false
	}
	p, err := s.st.GetUserPool(ctx, iss[i+1:])
	if err != nil || s.Issuer(p) != iss {
		return jose.JSONWebKeySet{}, false
	}
	set, err := s.cfg.Signer.JWKS(ctx, p.ID)
	if err != nil {
		return jose.JSONWebKeySet{}, false
	}
	return set, true
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	p, err := s.st.GetUserPool(r.Context(), r.PathValue("poolId"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	set, err := s.cfg.Signer.JWKS(r.Context(), p.ID)
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "jwks", slog.String("pool_id", p.ID), slog.String("error", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b, _ := json.Marshal(set)
	w.Header().Set("Content-Type", "application/json")
	setCORS(w.Header())
	_, _ = w.Write(b)
}

// Discovery is the OpenID configuration document in Cognito's layout.
type Discovery struct {
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	Issuer                            string   `json:"issuer"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
}

// DiscoveryFor builds the discovery document of a pool. Endpoints live
// under the local pool URL (a pool without a domain); jwks_uri is where
// gatehouse serves the keys.
func (s *Server) DiscoveryFor(p store.UserPool) Discovery {
	local := strings.TrimSuffix(s.cfg.BaseURL, "/") + "/" + p.ID
	return Discovery{
		AuthorizationEndpoint:             local + "/oauth2/authorize",
		EndSessionEndpoint:                local + "/logout",
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		Issuer:                            s.Issuer(p),
		JWKSURI:                           local + "/.well-known/jwks.json",
		ResponseTypesSupported:            []string{"code", "token"},
		RevocationEndpoint:                local + "/oauth2/revoke",
		ScopesSupported:                   []string{"openid", "email", "phone", "profile"},
		SubjectTypesSupported:             []string{"public"},
		TokenEndpoint:                     local + "/oauth2/token",
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		UserinfoEndpoint:                  local + "/oauth2/userInfo",
	}
}

func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	p, err := s.st.GetUserPool(r.Context(), r.PathValue("poolId"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	b, _ := json.Marshal(s.DiscoveryFor(p))
	w.Header().Set("Content-Type", "application/json")
	setCORS(w.Header())
	_, _ = w.Write(b)
}
