// Command golambda is a tiny Lambda function built with aws-lambda-go, used by
// the functions tests to prove that such programs run unchanged.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Name string `json:"name"`
	Fail bool   `json:"fail"`
}

type result struct {
	Greeting     string `json:"greeting"`
	RequestID    string `json:"requestId"`
	FunctionName string `json:"functionName"`
	ARN          string `json:"arn"`
	HasDeadline  bool   `json:"hasDeadline"`
}

func handle(ctx context.Context, e event) (result, error) {
	if e.Fail {
		return result{}, errors.New("go handler failed for " + e.Name)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	_, hasDeadline := ctx.Deadline()
	return result{
		Greeting:     "hello " + e.Name,
		RequestID:    lc.AwsRequestID,
		FunctionName: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
		ARN:          lc.InvokedFunctionArn,
		HasDeadline:  hasDeadline,
	}, nil
}

func main() { lambda.Start(handle) }
