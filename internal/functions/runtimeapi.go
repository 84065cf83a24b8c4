package functions

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// This file serves the Lambda Runtime API (2018-06-01) of one instance.

// writeAPIError answers a runtime request with Lambda's error document.
func writeAPIError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": errType, "errorMessage": msg})
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`+"\n")
}

// handleNext blocks until an invocation is delivered to the instance. The
// first call marks the end of the instance's init phase.
func (inst *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	inst.readyOnce.Do(func() {
		inst.initDuration = time.Since(inst.startedAt)
		close(inst.ready)
	})
	select {
	case inv := <-inst.next:
		inst.mu.Lock()
		inst.cur = inv
		inst.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", inst.f.arn)
		h.Set("Lambda-Runtime-Trace-Id", inv.opts.TraceID)
		if inv.opts.ClientContext != "" {
			h.Set("Lambda-Runtime-Client-Context", inv.opts.ClientContext)
		}
		if inv.opts.CognitoIdentity != "" {
			h.Set("Lambda-Runtime-Cognito-Identity", inv.opts.CognitoIdentity)
		}
		h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	case <-inst.exited:
	}
}

// current returns the in-flight invocation when its id is id.
func (inst *instance) current(id string) *invocation {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.cur == nil || inst.cur.id != id {
		return nil
	}
	return inst.cur
}

// finish clears the in-flight invocation.
func (inst *instance) finish(inv *invocation) {
	inst.mu.Lock()
	if inst.cur == inv {
		inst.cur = nil
	}
	inst.mu.Unlock()
}

// readLimited reads at most limit bytes of the body; over reports whether
// the body was longer.
func readLimited(r *http.Request, limit int64) (body []byte, over bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(body)) > limit {
		return nil, true, nil
	}
	return body, false, nil
}

func (inst *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := inst.current(r.PathValue("id"))
	if inv == nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, over, err := readLimited(r, MaxPayloadSize)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestBody", "could not read the response body")
		return
	}
	inst.finish(inv)
	if over {
		msg := "Response payload size exceeded maximum allowed payload size (6291456 bytes)."
		inv.complete(nil, newFunctionError(ErrorTypeResponseTooLarge, msg))
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", msg)
		return
	}
	inv.complete(body, nil)
	writeAccepted(w)
}

func (inst *instance) handleError(w http.ResponseWriter, r *http.Request) {
	inv := inst.current(r.PathValue("id"))
	if inv == nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, over, err := readLimited(r, MaxPayloadSize)
	if err != nil || over {
		body = nil
	}
	inst.finish(inv)
	inv.complete(nil, parseFunctionError(body, r.Header.Get("Lambda-Runtime-Function-Error-Type")))
	writeAccepted(w)
}

func (inst *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, over, err := readLimited(r, MaxPayloadSize)
	if err != nil || over {
		body = nil
	}
	fe := parseFunctionError(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
	inst.initOnce.Do(func() {
		inst.initErr = fe
		close(inst.initFailed)
	})
	writeAccepted(w)
	inst.kill()
}
