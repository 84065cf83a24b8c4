package cognito

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestHelperIDPProcess is not a test: TestKill9AfterAdminCreateUser runs
// the test binary with GATEHOUSE_IDP_HELPER_DB set, and this serves the
// idp on SQLite until it is killed.
func TestHelperIDPProcess(t *testing.T) {
	db := os.Getenv("GATEHOUSE_IDP_HELPER_DB")
	if db == "" {
		t.Skip("helper process only")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	keys, _ := signer.New(signer.Config{Keys: st, Now: time.Now, GenerateKey: fastKeys})
	auth, _ := NewSigV4(testRegion, testAccessKey, testSecretKey, time.Now)
	srv, err := New(Config{Store: st, Signer: keys, Auth: auth, Now: time.Now, Hash: HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("listening", ln.Addr().String())
	_ = http.Serve(ln, srv.Handler())
}

// TestKill9AfterAdminCreateUser: a user whose AdminCreateUser succeeded
// survives a SIGKILL of the server right after the response.
func TestKill9AfterAdminCreateUser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	db := filepath.Join(t.TempDir(), "idp.db")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperIDPProcess$")
	cmd.Env = append(os.Environ(), "GATEHOUSE_IDP_HELPER_DB="+db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	addr := ""
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("helper did not start")
	}
	sdk := cip.New(cip.Options{Region: testRegion, BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 1,
		HTTPClient:  bufferedHTTP{&http.Client{Timeout: 20 * time.Second}},
		Credentials: credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, "")})
	pool, err := sdk.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool.UserPool.Id, Username: aws.String("survivor"), MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.GetUser(context.Background(), *pool.UserPool.Id, "survivor")
	if err != nil || u.Status != "FORCE_CHANGE_PASSWORD" || len(u.PasswordHash) == 0 {
		t.Fatalf("after kill -9: %+v, %v", u, err)
	}
}
