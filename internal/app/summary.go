package app

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
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
	if a.AdminAddr != "" {
		fmt.Fprintf(tw, "admin  http://%s/v1/apis  (bearer token)\n", a.AdminAddr)
	}
	if a.IdpAddr != "" {
		fmt.Fprintf(tw, "idp    http://%s/\n", a.IdpAddr)
	}
	_ = tw.Flush()
}
