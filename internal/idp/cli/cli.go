package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/idp/srp"
)

// Env looks up environment variables (os.LookupEnv in production).
type Env func(string) (string, bool)

type common struct {
	endpoint, region string
	timeout          time.Duration
}

func (c *common) flags(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&c.endpoint, "endpoint", "http://127.0.0.1:9229", "URL of gatehouse's idp listener")
	cmd.PersistentFlags().StringVar(&c.region, "region", "us-east-1", "region the idp verifies signatures for")
	cmd.PersistentFlags().DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of each request")
}

func (c *common) client(env Env, signed bool) (*cip.Client, error) {
	var creds aws.CredentialsProvider = aws.AnonymousCredentials{}
	if signed {
		id, _ := env("GATEHOUSE_ACCESS_KEY_ID")
		secret, _ := env("GATEHOUSE_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return nil, errors.New("GATEHOUSE_ACCESS_KEY_ID and GATEHOUSE_SECRET_ACCESS_KEY must be set for management commands")
		}
		creds = credentials.NewStaticCredentialsProvider(id, secret, "")
	}
	return cip.New(cip.Options{
		Region: c.region, BaseEndpoint: aws.String(strings.TrimSuffix(c.endpoint, "/")), Credentials: creds,
		HTTPClient: bufferedClient{&http.Client{Timeout: c.timeout}}, RetryMaxAttempts: 1,
	}), nil
}

// maxResponse bounds a response body read by the CLI.
const maxResponse = 8 << 20

// bufferedClient reads each response completely before the SDK decodes it
// (aws-sdk-go-v2 was seen failing to read large bodies under the race
// detector otherwise) and bounds its size.
type bufferedClient struct{ c *http.Client }

func (b bufferedClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := b.c.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if len(body) > maxResponse {
		return nil, errors.New("response too large")
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// readPassword returns the password from the named environment variable,
// or the first line of standard input.
func readPassword(cmd *cobra.Command, env Env, envName string, stdin bool) (string, error) {
	switch {
	case envName != "":
		v, ok := env(envName)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", envName)
		}
		return v, nil
	case stdin:
		line, err := bufio.NewReader(io.LimitReader(cmd.InOrStdin(), 1024)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", errors.New("empty password on standard input")
		}
		return line, nil
	}
	return "", nil
}

func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Commands returns the `userpool` and `login` commands.
func Commands(env Env) []*cobra.Command {
	return []*cobra.Command{userpoolCmd(env), loginCmd(env)}
}

func userpoolCmd(env Env) *cobra.Command {
	var c common
	root := &cobra.Command{Use: "userpool", Short: "Manage users and groups of a running gatehouse's user pools"}
	c.flags(root)
	run := func(fn func(ctx context.Context, cmd *cobra.Command, cl *cip.Client) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			cl, err := c.client(env, true)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
			defer cancel()
			return fn(ctx, cmd, cl)
		}
	}
	var pool, user, group, filter, passwordEnv string
	var passwordStdin, temporary bool
	var attrs []string

	listPools := &cobra.Command{Use: "list-pools", Short: "List user pools", Args: cobra.NoArgs,
		RunE: run(func(ctx context.Context, cmd *cobra.Command, cl *cip.Client) error {
			out, err := cl.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
			if err != nil {
				return err
			}
			type row struct{ ID, Name string }
			rows := []row{}
			for _, p := range out.UserPools {
				rows = append(rows, row{aws.ToString(p.Id), aws.ToString(p.Name)})
			}
			return printJSON(cmd, rows)
		})}

	createUser := &cobra.Command{Use: "create-user", Short: "Create a user (with a permanent password when one is given)", Args: cobra.NoArgs,
		RunE: run(func(ctx context.Context, cmd *cobra.Command, cl *cip.Client) error {
			pw, err := readPassword(cmd, env, passwordEnv, passwordStdin)
			if err != nil {
				return err
			}
			in := &cip.AdminCreateUserInput{UserPoolId: &pool, Username: &user, MessageAction: types.MessageActionTypeSuppress}
			for _, a := range attrs {
				k, v, ok := strings.Cut(a, "=")
				if !ok {
					return fmt.Errorf("--attr %q: want name=value", a)
				}
				in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(k), Value: aws.String(v)})
			}
			out, err := cl.AdminCreateUser(ctx, in)
			if err != nil {
				return err
			}
			if pw != "" {
				if _, err := cl.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: out.User.Username, Password: &pw, Permanent: !temporary}); err != nil {
					return err
				}
			}
			got, err := cl.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: out.User.Username})
			if err != nil {
				return err
			}
			return printJSON(cmd, map[string]any{"Username": got.Username, "UserStatus": got.UserStatus})
		})}
	createUser.Flags().StringArrayVar(&attrs, "attr", nil, "attribute name=value (repeatable)")

	setPassword := &cobra.Command{Use: "set-password", Short: "Set a user's password", Args: cobra.NoArgs,
		RunE: run(func(ctx context.Context, cmd *cobra.Command, cl *cip.Client) error {
			pw, err := readPassword(cmd, env, passwordEnv, passwordStdin)
			if err != nil {
				return err
			}
			if pw == "" {
				return errors.New("give --password-env NAME or --password-stdin")
			}
			_, err = cl.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: &user, Password: &pw, Permanent: !temporary})
			return err
		})}

	addToGroup := &cobra.Command{Use: "add-to-group", Short: "Add a user to a group (creating the group if needed)", Args: cobra.NoArgs,
		RunE: run(func(ctx context.Context, cmd *cobra.Command, cl *cip.Client) error {
			if _, err := cl.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: &pool, GroupName: &group}); err != nil {
				var nf *types.ResourceNotFoundException
				if !errors.As(err, &nf) {
					return err
				}
				if _, err := cl.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &pool, GroupName: &group}); err != nil {
					return err
				}
			}
			_, err := cl.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &pool, Username: &user, GroupName: &group})
			return err
		})}

	listUsers := &cobra.Command{Use: "list-users", Short: "List users (optionally with a Cognito filter)", Args: cobra.NoArgs,
		RunE: run(func(ctx context.Context, cmd *cobra.Command, cl *cip.Client) error {
			type row struct {
				Username, Status string
				Enabled          bool
				Attributes       map[string]string
			}
			rows := []row{}
			in := &cip.ListUsersInput{UserPoolId: &pool}
			if filter != "" {
				in.Filter = &filter
			}
			for range 1000 {
				out, err := cl.ListUsers(ctx, in)
				if err != nil {
					return err
				}
				for _, u := range out.Users {
					r := row{Username: aws.ToString(u.Username), Status: string(u.UserStatus), Enabled: u.Enabled, Attributes: map[string]string{}}
					for _, a := range u.Attributes {
						r.Attributes[aws.ToString(a.Name)] = aws.ToString(a.Value)
					}
					rows = append(rows, r)
				}
				if out.PaginationToken == nil {
					break
				}
				in.PaginationToken = out.PaginationToken
			}
			return printJSON(cmd, rows)
		})}
	listUsers.Flags().StringVar(&filter, "filter", "", `filter such as 'email ^= "a"'`)

	for _, sub := range []*cobra.Command{createUser, setPassword, addToGroup, listUsers} {
		sub.Flags().StringVar(&pool, "pool", "", "user pool id")
		_ = sub.MarkFlagRequired("pool")
	}
	for _, sub := range []*cobra.Command{createUser, setPassword, addToGroup} {
		sub.Flags().StringVar(&user, "username", "", "username")
		_ = sub.MarkFlagRequired("username")
	}
	for _, sub := range []*cobra.Command{createUser, setPassword} {
		sub.Flags().StringVar(&passwordEnv, "password-env", "", "read the password from this environment variable")
		sub.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
		sub.Flags().BoolVar(&temporary, "temporary", false, "make the password temporary (FORCE_CHANGE_PASSWORD)")
	}
	addToGroup.Flags().StringVar(&group, "group", "", "group name")
	_ = addToGroup.MarkFlagRequired("group")
	root.AddCommand(listPools, createUser, setPassword, addToGroup, listUsers)
	return root
}

func loginCmd(env Env) *cobra.Command {
	var c common
	var pool, client, user, passwordEnv, secretEnv, flow string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "login --pool ID --client ID --user NAME",
		Short: "Sign in to a user pool of a running gatehouse and print the tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := readPassword(cmd, env, passwordEnv, passwordStdin)
			if err != nil {
				return err
			}
			if pw == "" {
				return errors.New("give --password-env NAME or --password-stdin")
			}
			secret := ""
			if secretEnv != "" {
				if secret, _ = env(secretEnv); secret == "" {
					return fmt.Errorf("environment variable %s is not set", secretEnv)
				}
			}
			cl, err := c.client(env, false)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), c.timeout)
			defer cancel()
			res, err := Login(ctx, cl, LoginInput{PoolID: pool, ClientID: client, ClientSecret: secret, Username: user, Password: pw, Flow: flow, Now: time.Now})
			if err != nil {
				return err
			}
			return printJSON(cmd, res)
		},
	}
	c.flags(cmd)
	cmd.Flags().StringVar(&pool, "pool", "", "user pool id")
	cmd.Flags().StringVar(&client, "client", "", "app client id")
	cmd.Flags().StringVar(&user, "user", "", "username (or email/phone in such pools)")
	cmd.Flags().StringVar(&passwordEnv, "password-env", "", "read the password from this environment variable")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	cmd.Flags().StringVar(&secretEnv, "client-secret-env", "", "environment variable holding the client secret, for clients with one")
	cmd.Flags().StringVar(&flow, "flow", "srp", "sign-in flow: srp (USER_SRP_AUTH) or password (USER_PASSWORD_AUTH)")
	for _, f := range []string{"pool", "client", "user"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

// LoginInput describes one sign-in.
type LoginInput struct {
	PoolID, ClientID, ClientSecret string
	Username, Password             string
	// Flow is "srp" or "password".
	Flow string
	// Now supplies the PASSWORD_VERIFIER timestamp.
	Now func() time.Time
}

// Tokens is what Login prints.
type Tokens struct {
	IDToken      string `json:"IdToken"`
	AccessToken  string `json:"AccessToken"`
	RefreshToken string `json:"RefreshToken"`
	ExpiresIn    int32  `json:"ExpiresIn"`
	TokenType    string `json:"TokenType"`
}

func secretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Login signs in with USER_SRP_AUTH or USER_PASSWORD_AUTH. A challenge
// other than PASSWORD_VERIFIER (such as NEW_PASSWORD_REQUIRED) is
// reported as an error.
func Login(ctx context.Context, cl *cip.Client, in LoginInput) (Tokens, error) {
	params := map[string]string{"USERNAME": in.Username}
	if in.ClientSecret != "" {
		params["SECRET_HASH"] = secretHash(in.ClientSecret, in.Username, in.ClientID)
	}
	var result *types.AuthenticationResultType
	switch in.Flow {
	case "password":
		params["PASSWORD"] = in.Password
		out, err := cl.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &in.ClientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: params})
		if err != nil {
			return Tokens{}, err
		}
		if out.ChallengeName != "" {
			return Tokens{}, fmt.Errorf("the pool asks for challenge %s; answer it with an SDK or set a permanent password", out.ChallengeName)
		}
		result = out.AuthenticationResult
	case "srp", "":
		a, bigA, err := srp.ClientEphemeral(rand.Reader)
		if err != nil {
			return Tokens{}, err
		}
		params["SRP_A"] = bigA.Text(16)
		out, err := cl.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &in.ClientID, AuthFlow: types.AuthFlowTypeUserSrpAuth, AuthParameters: params})
		if err != nil {
			return Tokens{}, err
		}
		if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
			return Tokens{}, fmt.Errorf("unexpected challenge %q", out.ChallengeName)
		}
		cp := out.ChallengeParameters
		poolName, err := srp.PoolName(in.PoolID)
		if err != nil {
			return Tokens{}, err
		}
		bigB, ok := new(big.Int).SetString(cp["SRP_B"], 16)
		if !ok {
			return Tokens{}, errors.New("server sent an invalid SRP_B")
		}
		userID := cp["USER_ID_FOR_SRP"]
		key, err := srp.ClientKey(a, bigA, bigB, poolName, userID, in.Password, cp["SALT"])
		if err != nil {
			return Tokens{}, err
		}
		block, err := base64.StdEncoding.DecodeString(cp["SECRET_BLOCK"])
		if err != nil {
			return Tokens{}, fmt.Errorf("decode SECRET_BLOCK: %w", err)
		}
		ts := srp.FormatTimestamp(in.Now())
		resp := map[string]string{"USERNAME": userID, "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"], "TIMESTAMP": ts,
			"PASSWORD_CLAIM_SIGNATURE": base64.StdEncoding.EncodeToString(srp.Signature(key, poolName, userID, block, ts))}
		if in.ClientSecret != "" {
			resp["SECRET_HASH"] = secretHash(in.ClientSecret, userID, in.ClientID)
		}
		r, err := cl.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &in.ClientID, ChallengeName: types.ChallengeNameTypePasswordVerifier, ChallengeResponses: resp})
		if err != nil {
			return Tokens{}, err
		}
		if r.ChallengeName != "" {
			return Tokens{}, fmt.Errorf("the pool asks for challenge %s; answer it with an SDK or set a permanent password", r.ChallengeName)
		}
		result = r.AuthenticationResult
	default:
		return Tokens{}, fmt.Errorf("unknown flow %q (want srp or password)", in.Flow)
	}
	if result == nil {
		return Tokens{}, errors.New("no tokens in the response")
	}
	return Tokens{IDToken: aws.ToString(result.IdToken), AccessToken: aws.ToString(result.AccessToken),
		RefreshToken: aws.ToString(result.RefreshToken), ExpiresIn: result.ExpiresIn, TokenType: aws.ToString(result.TokenType)}, nil
}
