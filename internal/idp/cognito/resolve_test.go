package cognito

import (
	"context"
	"strings"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestResolvePool(t *testing.T) {
	srv, _, st := newWireServer(t)
	ctx := context.Background()
	createIssuerPools(t, st)
	tests := []struct {
		ref, wantID, wantIss string
	}{
		{"us-east-1_Local1234", "us-east-1_Local1234", "http://idp.test/us-east-1_Local1234"},
		{"local", "us-east-1_Local1234", "http://idp.test/us-east-1_Local1234"},
		{"http://idp.test/us-east-1_Local1234", "us-east-1_Local1234", "http://idp.test/us-east-1_Local1234"},
		{"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Aws123456", "eu-west-1_Aws123456", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Aws123456"},
		{"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Aws123456", "eu-west-1_Aws123456", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Aws123456"},
		{"http://idp.test/eu-west-1_Aws123456", "", ""},
		{"nope", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			id, iss, ok := srv.ResolvePool(ctx, tt.ref)
			if id != tt.wantID || iss != tt.wantIss || ok != (tt.wantID != "") {
				t.Errorf("ResolvePool(%q) = %q, %q, %v", tt.ref, id, iss, ok)
			}
		})
	}
	set, err := srv.PoolKeys("us-east-1_Local1234")(ctx)
	if err != nil || len(set.Keys) != 2 {
		t.Errorf("PoolKeys = %d keys, %v", len(set.Keys), err)
	}
	if _, err := srv.PoolKeys("us-east-1_gone")(ctx); err == nil {
		t.Error("PoolKeys of a missing pool succeeded")
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	f := e.setup(ctx, nil)
	e.confirmedUser(ctx, f, "sam", "Passw0rd!")
	// An abandoned SRP challenge and a refresh token.
	a := strings.Repeat("a", 64)
	if _, err := e.anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &f.clientID, AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": "sam", "SRP_A": a}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.passwordLogin(ctx, f, "sam", "Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	sessions, refresh, err := e.srv.Sweep(ctx)
	if err != nil || sessions != 0 || refresh != 0 {
		t.Fatalf("early sweep = %d, %d, %v", sessions, refresh, err)
	}
	e.clock.Add(31 * 24 * time.Hour)
	sessions, refresh, err = e.srv.Sweep(ctx)
	if err != nil || sessions != 1 || refresh != 1 {
		t.Errorf("sweep = %d sessions, %d refresh tokens, %v; want 1, 1", sessions, refresh, err)
	}
	rctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := e.srv.Run(rctx, time.Hour); err != nil {
		t.Errorf("Run after cancel: %v", err)
	}
}
