package pipeline

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/cors"
)

// respWriter records the status and length of a response and applies CORS
// headers when the response starts.
type respWriter struct {
	http.ResponseWriter
	status int
	n      int64
	wrote  bool
	cors   *cors.Policy
	origin string
	lb     *limitedBody
}

func (w *respWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.wrote = true
	w.status = code
	if w.cors != nil {
		w.cors.Apply(w.ResponseWriter.Header(), w.origin)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *respWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Flush sends buffered data to the client.
func (w *respWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
