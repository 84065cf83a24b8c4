package cognito

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestSelfServiceAndAdminOps(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	f := e.setup(ctx, nil)
	email := types.AttributeType{Name: aws.String("email"), Value: aws.String("erin@example.com")}
	verified := types.AttributeType{Name: aws.String("email_verified"), Value: aws.String("true")}
	e.confirmedUser(ctx, f, "erin", "Passw0rd!", email, verified)
	login, err := e.passwordLogin(ctx, f, "erin", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	at := login.AuthenticationResult.AccessToken

	t.Run("change password", func(t *testing.T) {
		_, err := e.anon.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: at, PreviousPassword: aws.String("wrong"), ProposedPassword: aws.String("Passw0rd!2")})
		wantCode(t, err, "NotAuthorizedException", "Incorrect username or password.")
		if _, err := e.anon.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: at, PreviousPassword: aws.String("Passw0rd!"), ProposedPassword: aws.String("Passw0rd!2")}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.passwordLogin(ctx, f, "erin", "Passw0rd!2"); err != nil {
			t.Fatalf("login with the new password: %v", err)
		}
	})
	t.Run("update attributes", func(t *testing.T) {
		if _, err := e.anon.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: at, UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Erin")}}}); err != nil {
			t.Fatal(err)
		}
		_, err := e.anon.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: at, UserAttributes: []types.AttributeType{verified}})
		wantCode(t, err, "NotAuthorizedException", "")
		if _, err := e.sdk.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &f.poolID, Username: aws.String("erin"),
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("erin2@example.com")}}}); err != nil {
			t.Fatal(err)
		}
		gu, err := e.anon.GetUser(ctx, &cip.GetUserInput{AccessToken: at})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range gu.UserAttributes {
			got[*a.Name] = *a.Value
		}
		if got["name"] != "Erin" || got["email"] != "erin2@example.com" || got["email_verified"] != "false" || got["sub"] == "" {
			t.Errorf("attributes %v", got)
		}
		_, err = e.sdk.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &f.poolID, Username: aws.String("erin"),
			UserAttributes: []types.AttributeType{{Name: aws.String("shoe_size"), Value: aws.String("9")}}})
		wantCode(t, err, "InvalidParameterException", "")
	})
	t.Run("groups membership", func(t *testing.T) {
		for _, g := range []string{"a", "b"} {
			if _, err := e.sdk.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &f.poolID, GroupName: aws.String(g), Precedence: aws.Int32(3)}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.sdk.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &f.poolID, Username: aws.String("erin"), GroupName: aws.String(g)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.sdk.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: &f.poolID, Username: aws.String("erin"), GroupName: aws.String("a")}); err != nil {
			t.Fatal(err)
		}
		in, err := e.sdk.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: &f.poolID, GroupName: aws.String("b")})
		if err != nil || len(in.Users) != 1 {
			t.Fatalf("ListUsersInGroup b = %v, %v", in, err)
		}
		in, _ = e.sdk.ListUsersInGroup(ctx, &cip.ListUsersInGroupInput{UserPoolId: &f.poolID, GroupName: aws.String("a")})
		if len(in.Users) != 0 {
			t.Errorf("group a still has %d users", len(in.Users))
		}
		g, err := e.sdk.GetGroup(ctx, &cip.GetGroupInput{UserPoolId: &f.poolID, GroupName: aws.String("b")})
		if err != nil || *g.Group.Precedence != 3 {
			t.Fatalf("GetGroup = %v, %v", g, err)
		}
		_, err = e.sdk.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &f.poolID, Username: aws.String("erin"), GroupName: aws.String("zzz")})
		wantCode(t, err, "ResourceNotFoundException", "")
		if _, err := e.sdk.DeleteGroup(ctx, &cip.DeleteGroupInput{UserPoolId: &f.poolID, GroupName: aws.String("b")}); err != nil {
			t.Fatal(err)
		}
		lg, _ := e.sdk.ListGroups(ctx, &cip.ListGroupsInput{UserPoolId: &f.poolID})
		if len(lg.Groups) != 1 {
			t.Errorf("groups after delete: %d", len(lg.Groups))
		}
	})
	t.Run("admin reset password", func(t *testing.T) {
		e.confirmedUser(ctx, f, "frank", "Passw0rd!", types.AttributeType{Name: aws.String("email"), Value: aws.String("frank@example.com")}, verified)
		if _, err := e.sdk.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &f.poolID, Username: aws.String("frank")}); err != nil {
			t.Fatal(err)
		}
		_, err := e.passwordLogin(ctx, f, "frank", "Passw0rd!")
		wantCode(t, err, "PasswordResetRequiredException", "")
		msg, ok := e.srv.Outbox().Latest(f.poolID, "frank", "FORGOT_PASSWORD")
		if !ok {
			t.Fatal("no reset code")
		}
		e.clock.Add(61 * time.Minute) // reset codes live one hour
		_, err = e.anon.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: &f.clientID, Username: aws.String("frank"), ConfirmationCode: &msg.Code, Password: aws.String("Fr3sh-passw0rd")})
		wantCode(t, err, "ExpiredCodeException", "")
	})
	t.Run("temporary password expiry", func(t *testing.T) {
		if _, err := e.sdk.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &f.poolID, Username: aws.String("gina"), TemporaryPassword: aws.String("Temp0rary!")}); err != nil {
			t.Fatal(err)
		}
		msg, ok := e.srv.Outbox().Latest(f.poolID, "gina", "INVITATION")
		if !ok || msg.Code != "Temp0rary!" {
			t.Fatalf("invitation %+v", msg)
		}
		e.clock.Add(8 * 24 * time.Hour)
		_, err := e.passwordLogin(ctx, f, "gina", "Temp0rary!")
		wantCode(t, err, "NotAuthorizedException", "Temporary password has expired")
	})
	t.Run("access token expiry", func(t *testing.T) {
		_, err := e.anon.GetUser(ctx, &cip.GetUserInput{AccessToken: at})
		wantCode(t, err, "NotAuthorizedException", "Access Token has expired")
	})
	t.Run("pagination", func(t *testing.T) {
		seen := map[string]bool{}
		var token *string
		for range 10 {
			out, err := e.sdk.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &f.poolID, Limit: aws.Int32(1), PaginationToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range out.Users {
				seen[*u.Username] = true
			}
			if token = out.PaginationToken; token == nil {
				break
			}
		}
		if len(seen) != 3 {
			t.Errorf("paged through %v", seen)
		}
	})
	t.Run("client management", func(t *testing.T) {
		up, err := e.sdk.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &f.poolID, ClientId: &f.clientID, ClientName: aws.String("renamed"),
			AccessTokenValidity: aws.Int32(30), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes},
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
		if err != nil || *up.UserPoolClient.ClientName != "renamed" {
			t.Fatalf("UpdateUserPoolClient = %v, %v", up, err)
		}
		out, err := e.passwordLogin(ctx, f, "erin", "Passw0rd!2")
		if err != nil {
			t.Fatal(err)
		}
		if out.AuthenticationResult.ExpiresIn != 1800 {
			t.Errorf("ExpiresIn = %d, want 1800", out.AuthenticationResult.ExpiresIn)
		}
		_, err = e.sdk.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &f.poolID, ClientName: aws.String("mixed"),
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH", "ADMIN_NO_SRP_AUTH"}})
		wantCode(t, err, "InvalidParameterException", "")
		lc, err := e.sdk.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: &f.poolID})
		if err != nil || len(lc.UserPoolClients) != 1 {
			t.Fatalf("ListUserPoolClients = %v, %v", lc, err)
		}
		if _, err := e.sdk.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: &f.poolID, ClientId: &f.clientID}); err != nil {
			t.Fatal(err)
		}
		_, err = e.passwordLogin(ctx, f, "erin", "Passw0rd!2")
		wantCode(t, err, "ResourceNotFoundException", "User pool client "+f.clientID+" does not exist.")
	})
}

func TestAttributeVerification(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	f := e.setup(ctx, nil)
	e.confirmedUser(ctx, f, "vera", "Passw0rd!", types.AttributeType{Name: aws.String("email"), Value: aws.String("vera@example.com")})
	login, err := e.passwordLogin(ctx, f, "vera", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	at := login.AuthenticationResult.AccessToken
	out, err := e.anon.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: at, AttributeName: aws.String("email")})
	if err != nil || *out.CodeDeliveryDetails.Destination != "v***@e***" {
		t.Fatalf("GetUserAttributeVerificationCode = %+v, %v", out, err)
	}
	msg, _ := e.srv.Outbox().Latest(f.poolID, "vera", "VERIFY_ATTRIBUTE")
	_, err = e.anon.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: at, AttributeName: aws.String("email"), Code: aws.String("x")})
	wantCode(t, err, "CodeMismatchException", "")
	if _, err := e.anon.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: at, AttributeName: aws.String("email"), Code: &msg.Code}); err != nil {
		t.Fatal(err)
	}
	u, err := e.sdk.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &f.poolID, Username: aws.String("vera")})
	if err != nil {
		t.Fatal(err)
	}
	verified := ""
	for _, a := range u.UserAttributes {
		if *a.Name == "email_verified" {
			verified = *a.Value
		}
	}
	if verified != "true" {
		t.Errorf("email_verified = %q", verified)
	}
	// A new sign-in right after a global sign-out works.
	if _, err := e.anon.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: at}); err != nil {
		t.Fatal(err)
	}
	again, err := e.passwordLogin(ctx, f, "vera", "Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.anon.GetUser(ctx, &cip.GetUserInput{AccessToken: again.AuthenticationResult.AccessToken}); err != nil {
		t.Errorf("GetUser with a token issued after sign-out: %v", err)
	}
	_, err = e.anon.GetUser(ctx, &cip.GetUserInput{AccessToken: at})
	wantCode(t, err, "NotAuthorizedException", "Access Token has been revoked")
}

func TestAliasAndCaseInsensitivePools(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	pool, err := e.sdk.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("alias"), AliasAttributes: []types.AliasAttributeType{"email"},
		UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := e.sdk.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String("c"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{*pool.UserPool.Id, *cl.UserPoolClient.ClientId}
	_, err = e.sdk.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &f.poolID, Username: aws.String("x@example.com")})
	wantCode(t, err, "InvalidParameterException", "alias")
	e.confirmedUser(ctx, f, "Hank", "Passw0rd!", types.AttributeType{Name: aws.String("email"), Value: aws.String("hank@example.com")},
		types.AttributeType{Name: aws.String("email_verified"), Value: aws.String("true")})
	tests := []struct{ name, user string }{
		{"username", "Hank"},
		{"other case", "hANK"},
		{"verified email alias", "hank@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.passwordLogin(ctx, f, tt.user, "Passw0rd!")
			if err != nil {
				t.Fatal(err)
			}
			if id := e.verify(f.poolID, *out.AuthenticationResult.IdToken); id["cognito:username"] != "Hank" {
				t.Errorf("cognito:username = %v", id["cognito:username"])
			}
			if _, err := goSRPLogin(ctx, e, f, tt.user, "Passw0rd!", "", ""); err != nil {
				t.Errorf("SRP: %v", err)
			}
		})
	}
	// An unverified alias does not sign in.
	e.confirmedUser(ctx, f, "ivy", "Passw0rd!", types.AttributeType{Name: aws.String("email"), Value: aws.String("ivy@example.com")})
	_, err = e.passwordLogin(ctx, f, "ivy@example.com", "Passw0rd!")
	wantCode(t, err, "UserNotFoundException", "")
}
