{{/* Chart name, or nameOverride. */}}
{{- define "exotel-heartbeat-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it contains the chart name. */}}
{{- define "exotel-heartbeat-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "exotel-heartbeat-exporter.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{- define "exotel-heartbeat-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "exotel-heartbeat-exporter.labels" -}}
helm.sh/chart: {{ include "exotel-heartbeat-exporter.chart" . }}
{{ include "exotel-heartbeat-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: exotel-heartbeat-exporter
{{- end }}

{{/* Selector labels: the Service, the PDB, the anti-affinity and the ServiceMonitor use them. */}}
{{- define "exotel-heartbeat-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "exotel-heartbeat-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "exotel-heartbeat-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "exotel-heartbeat-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "exotel-heartbeat-exporter.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The Secret holding WEBHOOK_TOKENS and the API credentials. */}}
{{- define "exotel-heartbeat-exporter.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "exotel-heartbeat-exporter.fullname" .) }}
{{- end }}

{{/* Whether the chart renders its own Secret: only when it has something to put in it. */}}
{{- define "exotel-heartbeat-exporter.ownSecret" -}}
{{- $s := .Values.secrets }}
{{- if and (not $s.existingSecret) (or $s.webhookTokens $s.exotelAccountSid $s.exotelApiKey $s.exotelApiToken) }}true{{ end }}
{{- end }}

{{/* Whether a web configuration is mounted, and from which Secret. */}}
{{- define "exotel-heartbeat-exporter.webConfigEnabled" -}}
{{- $w := .Values.webConfig }}
{{- if or $w.existingSecret $w.tls.enabled $w.basicAuthUsers $w.headers }}true{{ end }}
{{- end }}

{{- define "exotel-heartbeat-exporter.webConfigSecretName" -}}
{{- .Values.webConfig.existingSecret | default (printf "%s-web-config" (include "exotel-heartbeat-exporter.fullname" .)) }}
{{- end }}

{{/* The web configuration file (exporter-toolkit format). */}}
{{- define "exotel-heartbeat-exporter.webConfig" -}}
{{- $w := .Values.webConfig }}
{{- $config := dict }}
{{- if $w.tls.enabled }}
{{- $_ := set $config "tls_server_config" (dict "cert_file" "/etc/exotel-exporter/tls/tls.crt" "key_file" "/etc/exotel-exporter/tls/tls.key" "min_version" $w.tls.minVersion) }}
{{- end }}
{{- with $w.basicAuthUsers }}
{{- $_ := set $config "basic_auth_users" . }}
{{- end }}
{{- with $w.headers }}
{{- $_ := set $config "http_server_config" (dict "headers" .) }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{- define "exotel-heartbeat-exporter.scheme" -}}
{{- if .Values.webConfig.tls.enabled }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/*
The job label the ServiceMonitor gives the scraped series: the Service name, or the value of the
Service label named by serviceMonitor.jobLabel (prometheus-operator's rule).
*/}}
{{- define "exotel-heartbeat-exporter.job" -}}
{{- if .Values.serviceMonitor.jobLabel }}
{{- $labels := fromYaml (include "exotel-heartbeat-exporter.serviceLabels" .) }}
{{- $value := get $labels .Values.serviceMonitor.jobLabel }}
{{- if not $value }}
{{- fail (printf "serviceMonitor.jobLabel %q is not a label of the Service; add it to service.labels" .Values.serviceMonitor.jobLabel) }}
{{- end }}
{{- $value }}
{{- else }}
{{- include "exotel-heartbeat-exporter.fullname" . }}
{{- end }}
{{- end }}

{{- define "exotel-heartbeat-exporter.serviceLabels" -}}
{{ include "exotel-heartbeat-exporter.labels" . }}
{{- with .Values.service.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The PromQL label matchers that select this release's series in the generated rules. */}}
{{- define "exotel-heartbeat-exporter.selector" -}}
{{- printf "job=%q,namespace=%q" (include "exotel-heartbeat-exporter.job" .) (include "exotel-heartbeat-exporter.namespace" .) }}
{{- end }}

{{/*
Where every alert's runbook_url points (plus #<alert name in lower case>): prometheusRule.runbookURL,
else the exporter's own /runbook through the Service's cluster DNS name.
*/}}
{{- define "exotel-heartbeat-exporter.runbookURL" -}}
{{- if .Values.prometheusRule.runbookURL }}
{{- .Values.prometheusRule.runbookURL }}
{{- else }}
{{- printf "%s://%s.%s.svc:%v/runbook" (include "exotel-heartbeat-exporter.scheme" . | lower) (include "exotel-heartbeat-exporter.fullname" .) (include "exotel-heartbeat-exporter.namespace" .) .Values.service.port }}
{{- end }}
{{- end }}

{{/* A probe: httpGet on the container port, or the exporter's own healthcheck subcommand. */}}
{{- define "exotel-heartbeat-exporter.probe" -}}
{{- $root := index . 0 }}
{{- $path := index . 1 }}
{{- $timing := index . 2 }}
{{- if eq $root.Values.probes.type "exec" }}
exec:
  command:
    - node
    - /app/dist/main.js
    - healthcheck
    {{- if eq $path "/-/ready" }}
    - --ready
    {{- end }}
{{- else if eq $root.Values.probes.type "httpGet" }}
httpGet:
  path: {{ $path }}
  port: http
  scheme: {{ include "exotel-heartbeat-exporter.scheme" $root }}
{{- else }}
{{- fail (printf "probes.type must be httpGet or exec, got %q" $root.Values.probes.type) }}
{{- end }}
{{ toYaml $timing }}
{{- end }}
