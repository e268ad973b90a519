{{/* The chart's name, overridable for forks. */}}
{{- define "meshtune.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object names: the release name, with the chart name added when the release does not carry it. */}}
{{- define "meshtune.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
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

{{/* Fails early, with the value to fix, on settings the API would reject or that cannot work. */}}
{{- define "meshtune.validate" -}}
{{- $mode := .Values.certificates.mode }}
{{- if not (has $mode (list "self-signed" "cert-manager" "secret")) }}
{{- fail (printf "certificates.mode %q is not supported; use self-signed, cert-manager or secret" $mode) }}
{{- end }}
{{- if eq $mode "secret" }}
{{- $_ := required "certificates.secretName is required with certificates.mode=secret: name the Secret holding tls.crt and tls.key" .Values.certificates.secretName }}
{{- $_ := required "certificates.caBundle is required with certificates.mode=secret: give the base64 PEM of the CA that signed tls.crt" .Values.certificates.caBundle }}
{{- end }}
{{- if not (has .Values.webhook.failurePolicy (list "Ignore" "Fail")) }}
{{- fail (printf "webhook.failurePolicy %q is not supported; use Ignore or Fail" .Values.webhook.failurePolicy) }}
{{- end }}
{{- $timeout := int .Values.webhook.timeoutSeconds }}
{{- if or (lt $timeout 1) (gt $timeout 30) }}
{{- fail (printf "webhook.timeoutSeconds %v is out of range; the apiserver accepts 1 to 30" .Values.webhook.timeoutSeconds) }}
{{- end }}
{{- end }}

{{/* True for a resource name the config counts as a GPU or accelerator; r is the name. */}}
{{- define "meshtune.gpuResourceTest" -}}
{{- $gpu := dig "selection" "gpuResources" dict .Values.config }}
{{- $tests := list }}
{{- range (dig "names" list $gpu) }}
{{- $tests = append $tests (printf "r == '%s'" .) }}
{{- end }}
{{- range (dig "prefixes" list $gpu) }}
{{- $tests = append $tests (printf "r.startsWith('%s')" .) }}
{{- end }}
{{- join " || " $tests }}
{{- end }}

{{/* CEL: a container or init container asks for a GPU-like resource (a count of 0 asks for none), or the pod for a DRA claim. */}}
{{- define "meshtune.gpuPrefilterExpression" -}}
{{- $test := include "meshtune.gpuResourceTest" . }}
{{- $requests := printf "c.resources.requests.exists(r, (%s) && c.resources.requests[r] != '0')" $test }}
{{- $limits := printf "c.resources.limits.exists(r, (%s) && c.resources.limits[r] != '0')" $test }}
{{- $containers := "object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])" }}
{{- $expression := printf "(%s).exists(c, has(c.resources) && ((has(c.resources.requests) && %s) || (has(c.resources.limits) && %s)))" $containers $requests $limits }}
{{- if dig "selection" "dra" true .Values.config }}
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
