{{/* The chart's name, overridable with nameOverride. */}}
{{- define "meshtune.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object names: fullnameOverride, else the release name, with the chart's name added when the release does not carry it. */}}
{{- define "meshtune.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "meshtune.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "meshtune.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meshtune.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "meshtune.labels" -}}
{{ include "meshtune.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The MutatingWebhookConfiguration's name: fixed, because the apiserver orders webhooks by name. */}}
{{- define "meshtune.webhookConfigurationName" -}}
00-meshtune
{{- end }}

{{/* The port meshtune serves admission reviews on, inside the pod. */}}
{{- define "meshtune.httpsPort" -}}
8443
{{- end }}

{{/* The names the apiserver may dial the Service by; the serving certificate carries them all. */}}
{{- define "meshtune.serviceDnsNames" -}}
{{- $service := include "meshtune.fullname" . }}
{{- $namespace := .Release.Namespace }}
{{- toYaml (list $service (printf "%s.%s" $service $namespace) (printf "%s.%s.svc" $service $namespace) (printf "%s.%s.svc.cluster.local" $service $namespace)) }}
{{- end }}

{{/*
meshtune's config: the shipped config/meshtune.yaml (files/meshtune.yaml links to it) with the
config value merged in, maps key by key and lists replaced whole. As YAML.
*/}}
{{- define "meshtune.config" -}}
{{- $shipped := .Files.Get "files/meshtune.yaml" | fromYaml }}
{{- mergeOverwrite $shipped (deepCopy .Values.config) | toYaml }}
{{- end }}

{{/* The config file the ConfigMap holds: the shipped file as it is, comments and all, unless values change it. */}}
{{- define "meshtune.configFile" -}}
{{- if .Values.config }}
{{- printf "# config/meshtune.yaml with the chart's config value merged in.\n" }}
{{- include "meshtune.config" . }}
{{- else }}
{{- .Files.Get "files/meshtune.yaml" }}
{{- end }}
{{- end }}

{{- define "meshtune.tlsSecretName" -}}
{{- .Values.certificates.secretName | default (printf "%s-tls" (include "meshtune.fullname" .)) }}
{{- end }}

{{- define "meshtune.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
Fails early, with the value to fix, on settings that cannot work together. values.schema.json
(generated) has already refused unknown keys and values of the wrong kind or range.
*/}}
{{- define "meshtune.validate" -}}
{{- if eq .Values.certificates.mode "secret" }}
{{- $_ := required "certificates.secretName is required with certificates.mode=secret: name the Secret holding tls.crt and tls.key" .Values.certificates.secretName }}
{{- $_ := required "certificates.caBundle is required with certificates.mode=secret: give the base64 PEM of the CA that signed tls.crt" .Values.certificates.caBundle }}
{{- end }}
{{- if eq (int .Values.metrics.port) (int (include "meshtune.httpsPort" .)) }}
{{- fail (printf "metrics.port %v is the port meshtune serves admission reviews on; choose another, such as 9090" .Values.metrics.port) }}
{{- end }}
{{- end }}

{{/* A CEL string literal of . (single quotes, with backslashes and quotes escaped). */}}
{{- define "meshtune.celString" -}}
{{- printf "'%s'" (. | replace "\\" "\\\\" | replace "'" "\\'") }}
{{- end }}

{{/* CEL, true for a resource name r the config counts as a GPU or accelerator. */}}
{{- define "meshtune.gpuResourceTest" -}}
{{- $config := include "meshtune.config" . | fromYaml }}
{{- $gpu := $config.selection.gpuResources }}
{{- $tests := list }}
{{- range $gpu.names }}
{{- $tests = append $tests (printf "r == %s" (include "meshtune.celString" .)) }}
{{- end }}
{{- range $gpu.prefixes }}
{{- $tests = append $tests (printf "r.startsWith(%s)" (include "meshtune.celString" .)) }}
{{- end }}
{{- /* No names at all: a test that passes nothing, as meshtune counts no resource then. */}}
{{- join " || " (default (list "false") $tests) }}
{{- end }}

{{/* CEL: a container or init container asks for a GPU-like resource (a count of 0 asks for none), or the pod for a DRA claim. */}}
{{- define "meshtune.gpuPrefilterExpression" -}}
{{- $test := include "meshtune.gpuResourceTest" . }}
{{- $requests := printf "c.resources.requests.exists(r, (%s) && c.resources.requests[r] != '0')" $test }}
{{- $limits := printf "c.resources.limits.exists(r, (%s) && c.resources.limits[r] != '0')" $test }}
{{- $containers := "object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])" }}
{{- $expression := printf "(%s).exists(c, has(c.resources) && ((has(c.resources.requests) && %s) || (has(c.resources.limits) && %s)))" $containers $requests $limits }}
{{- if (include "meshtune.config" . | fromYaml).selection.dra }}
{{- $expression = printf "%s || (has(object.spec.resourceClaims) && size(object.spec.resourceClaims) > 0)" $expression }}
{{- end }}
{{- $expression }}
{{- end }}

{{/* The webhook's matchConditions as YAML, empty when there are none. */}}
{{- define "meshtune.matchConditions" -}}
{{- $conditions := list }}
{{- if .Values.webhook.gpuPrefilter.enabled }}
{{- $conditions = append $conditions (dict "name" "gpu-or-accelerator-pod" "expression" (include "meshtune.gpuPrefilterExpression" .)) }}
{{- end }}
{{- $conditions = concat $conditions .Values.webhook.matchConditions }}
{{- if $conditions }}
{{- toYaml $conditions }}
{{- end }}
{{- end }}
