{{/*
The chart's name, truncated to 63 characters (the DNS label limit).
*/}}
{{- define "complaint-desk.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
A fully qualified name: release and chart, unless the release already names the chart.
Kept short enough for the longest suffix ("-postgresql-headless" would not fit otherwise).
*/}}
{{- define "complaint-desk.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "complaint-desk.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Standard labels of every resource. Called with (dict "context" $ "component" "web"):
each process, and each supporting resource, is a component.
*/}}
{{- define "complaint-desk.labels" -}}
helm.sh/chart: {{ include "complaint-desk.chart" .context }}
{{ include "complaint-desk.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
app.kubernetes.io/part-of: {{ include "complaint-desk.name" .context }}
{{- end }}

{{/*
Selector labels: name, instance and component (a Deployment selects only its own process).
*/}}
{{- define "complaint-desk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "complaint-desk.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ required "a component name" .component }}
{{- end }}

{{/*
The ServiceAccount the pods run as.
*/}}
{{- define "complaint-desk.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "complaint-desk.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The application image.
*/}}
{{- define "complaint-desk.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The TLS Secret of the Ingress.
*/}}
{{- define "complaint-desk.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "complaint-desk.fullname" .)) .Values.ingress.tls.secretName }}
{{- end }}

{{/*
Every host name that reaches a tenant: baseDomain, *.baseDomain, extraHosts.
*/}}
{{- define "complaint-desk.ingressHosts" -}}
{{- $hosts := list .Values.baseDomain }}
{{- if .Values.ingress.wildcard }}
{{- $hosts = append $hosts (printf "*.%s" .Values.baseDomain) }}
{{- end }}
{{- concat $hosts .Values.extraHosts | uniq | toJson }}
{{- end }}

{{/*
A value kept across upgrades: the one in the chart's Secret if it is already there, else a
new random one. (lookup finds nothing under helm template or --dry-run: a fresh value then.)
*/}}
{{- define "complaint-desk.keptSecret" -}}
{{- $existing := lookup "v1" "Secret" .context.Release.Namespace (include "complaint-desk.fullname" .context) }}
{{- $data := default (dict) $existing.data }}
{{- if hasKey $data .key }}
{{- index $data .key | b64dec }}
{{- else }}
{{- randAlphaNum (int .length) }}
{{- end }}
{{- end }}

{{/*
Passwords of the in-cluster servers (evaluation only).
*/}}
{{- define "complaint-desk.postgresqlPassword" -}}
{{- default (include "complaint-desk.keptSecret" (dict "context" . "key" "POSTGRES_PASSWORD" "length" 32)) .Values.postgresql.auth.password }}
{{- end }}

{{- define "complaint-desk.redisPassword" -}}
{{- default (include "complaint-desk.keptSecret" (dict "context" . "key" "REDIS_PASSWORD" "length" 32)) .Values.redis.auth.password }}
{{- end }}

{{/*
How every application container gets its settings: the ConfigMap, the chart's Secret, the
operator's Secret (its keys win), and URLs from the operator's database or Redis Secret.
*/}}
{{- define "complaint-desk.envFrom" -}}
- configMapRef:
    name: {{ include "complaint-desk.fullname" . }}
- secretRef:
    name: {{ include "complaint-desk.fullname" . }}
{{- with .Values.secrets.existingSecret }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end }}

{{- define "complaint-desk.env" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: DB_APPLICATION_NAME
  value: {{ default "$(POD_NAME)" .Values.config.databaseApplicationName | quote }}
{{- if and (not .Values.postgresql.enabled) .Values.externalDatabase.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalDatabase.existingSecret }}
      key: {{ .Values.externalDatabase.existingSecretKey }}
{{- end }}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalRedis.existingSecret }}
      key: {{ .Values.externalRedis.existingSecretKey }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Writable scratch space: the root filesystem is read-only.
*/}}
{{- define "complaint-desk.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}

{{- define "complaint-desk.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/*
Checksums that roll the pods when their configuration changes.
*/}}
{{- define "complaint-desk.configChecksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}

{{/*
The processes that touch a heartbeat file each time round their loop (config/heartbeat.py):
the relay, the scheduler and the worker. Their heartbeat files live in the pod's scratch space.
*/}}
{{- define "complaint-desk.heartbeatEnv" -}}
- name: HEARTBEAT_DIR
  value: /tmp/heartbeats
{{- end }}

{{/*
Their probes, both "entrypoint.sh alive <process> <allowanceSeconds>": a startup probe until the
first heartbeat, then a liveness probe that restarts a process whose heartbeat is too old.
Called with (dict "context" $ "process" "relay"); the startup probe takes the liveness probe's
allowance and timeout.
*/}}
{{- define "complaint-desk.heartbeatProbes" -}}
{{- $values := index .context.Values .process }}
{{- $command := list "/app/docker/entrypoint.sh" "alive" .process ($values.livenessProbe.allowanceSeconds | int | toString) }}
{{- with $values.livenessProbe }}
{{- if .enabled }}
livenessProbe:
  exec:
    command: {{ toJson $command }}
  periodSeconds: {{ .periodSeconds }}
  timeoutSeconds: {{ .timeoutSeconds }}
  failureThreshold: {{ .failureThreshold }}
{{- end }}
{{- end }}
{{- with $values.startupProbe }}
{{- if .enabled }}
startupProbe:
  exec:
    command: {{ toJson $command }}
  periodSeconds: {{ .periodSeconds }}
  timeoutSeconds: {{ $values.livenessProbe.timeoutSeconds }}
  failureThreshold: {{ .failureThreshold }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The most database connections the release's processes may hold at once, during a rolling
update (a quarter more pods, rounded up, next to the old ones): the web tier's pools at its
largest, one per worker process, two per relay (one for LISTEN), one per scheduler, one for
beat, and the migration's processes. Without a web pool (dbPool.maxSize 0) the web tier holds
one per request in flight, which no value bounds: then it is empty.
*/}}
{{- define "complaint-desk.peakConnections" -}}
{{- if gt (int .Values.web.dbPool.maxSize) 0 }}
{{- $web := int (ternary .Values.web.autoscaling.maxReplicas .Values.web.replicaCount .Values.web.autoscaling.enabled) }}
{{- $worker := int .Values.worker.replicaCount }}
{{- $relay := int .Values.relay.replicaCount }}
{{- $scheduler := int .Values.scheduler.replicaCount }}
{{- $total := mul (add $web (div (add $web 3) 4)) (int .Values.web.dbPool.maxSize) }}
{{- $total = add $total (mul (add $worker (div (add $worker 3) 4)) (int .Values.worker.concurrency)) }}
{{- $total = add $total (mul 2 (add $relay (div (add $relay 3) 4))) (add $scheduler (div (add $scheduler 3) 4)) 1 }}
{{- add $total (int .Values.migrations.processes) 1 }}
{{- end }}
{{- end }}
