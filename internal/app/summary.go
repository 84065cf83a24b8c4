package app

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/sam"
)

// PrintSummary writes the start-up table: each API, its base URLs and its
// routes with their integration and authorizer.
func (a *App) PrintSummary(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, api := range a.listAPIs() {
		title := fmt.Sprintf("API %s (%s, id %s", api.Name, api.Kind, api.ID)
		if api.LogicalID != "" {
			title += ", logical id " + api.LogicalID
		}
		fmt.Fprintln(tw, title+")")
		for _, s := range api.Stages {
			fmt.Fprintf(tw, "  stage %s\t%s\n", s.Name, strings.Join(s.BaseURLs, "  "))
		}
		fmt.Fprintln(tw, "  ROUTE\tINTEGRATION\tAUTHORIZER")
		for _, r := range api.Routes {
			auth := r.Authorizer
			if len(r.Scopes) > 0 {
				auth += " [" + strings.Join(r.Scopes, " ") + "]"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.RouteKey, r.Integration, auth)
		}
	}
	if g := a.cur.Load(); g.source != nil && len(g.source.Outputs) > 0 {
		fmt.Fprintln(tw, "Outputs")
		for _, o := range a.Outputs() {
			fmt.Fprintf(tw, "  %s\t%s\n", o.Name, o.Value)
		}
	}
	if a.AdminAddr != "" {
		fmt.Fprintf(tw, "admin  http://%s/v1/apis  (bearer token)\n", a.AdminAddr)
	}
	if a.IdpAddr != "" {
		fmt.Fprintf(tw, "idp    http://%s/\n", a.IdpAddr)
	}
	_ = tw.Flush()
}

// Outputs returns the template's outputs, with the AWS URLs of this stack's
// APIs rewritten to their local URLs. Nil for native configs.
func (a *App) Outputs() []sam.Output {
	g := a.cur.Load()
	if g.source == nil {
		return nil
	}
	return g.source.LocalOutputs(func(api *config.API) string {
		_, port := splitAddr(a.addrOrListen())
		return fmt.Sprintf("http://%s.execute-api.localhost:%s", api.ID, port)
	})
}

func (a *App) addrOrListen() string {
	if a.GatewayAddr != "" {
		return a.GatewayAddr
	}
	return a.opts.Listen
}
