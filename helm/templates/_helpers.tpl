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
largest, one per worker process, two per relay (one for LISTEN), two per scheduler (a burst of
due clocks is fired by a second connection alongside), one for beat, and the migration's processes. Without a web pool (dbPool.maxSize 0) the web tier holds
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
{{- $total = add $total (mul 2 (add $relay (div (add $relay 3) 4))) (mul 2 (add $scheduler (div (add $scheduler 3) 4))) 1 }}
{{- add $total (int .Values.migrations.processes) 1 }}
{{- end }}
{{- end }}

{{/*
Where background jobs keep their files (exports people download, files uploaded to import): "s3"
(media.s3.bucket) or "volume" (a claim mounted at MEDIA_ROOT in every web and worker pod). A
worker writes a file and a web pod serves it, and they are always different pods: values that
give them no shared files are refused.
*/}}
{{- define "complaint-desk.mediaStorage" -}}
{{- if .Values.media.s3.bucket }}s3
{{- else if .Values.media.persistence.enabled }}volume
{{- else }}
{{- fail "media: a worker writes the files of exports and imports and a web pod serves them, so web and worker pods must share them: set media.s3.bucket (an S3-compatible bucket), or keep media.persistence.enabled (a ReadWriteMany volume, or ReadWriteOnce on a single node)" }}
{{- end }}
{{- end }}

{{- define "complaint-desk.mediaRoot" -}}
/data/media
{{- end }}

{{- define "complaint-desk.mediaClaimName" -}}
{{- default (printf "%s-media" (include "complaint-desk.fullname" .)) .Values.media.persistence.existingClaim }}
{{- end }}

{{/*
"true" when the files' volume can be attached to one node only (no ReadWriteMany): every web and
worker pod must then run on that node.
*/}}
{{- define "complaint-desk.mediaOnOneNode" -}}
{{- if and (eq (include "complaint-desk.mediaStorage" .) "volume") (not (has "ReadWriteMany" .Values.media.persistence.accessModes)) }}true{{ end }}
{{- end }}

{{/*
The files' volume and its mount, in the web and worker pods only (nothing else touches them).
*/}}
{{- define "complaint-desk.mediaVolume" -}}
{{- if eq (include "complaint-desk.mediaStorage" .) "volume" -}}
- name: media
  persistentVolumeClaim:
    claimName: {{ include "complaint-desk.mediaClaimName" . }}
{{- end }}
{{- end }}

{{- define "complaint-desk.mediaVolumeMount" -}}
{{- if eq (include "complaint-desk.mediaStorage" .) "volume" -}}
- name: media
  mountPath: {{ include "complaint-desk.mediaRoot" . }}
{{- end }}
{{- end }}

{{/*
The affinity of the web and worker pods, called with (dict "context" $ "process" "web"): the
process's own (web.affinity, worker.affinity), plus, when the files' volume is ReadWriteOnce, a
required pod affinity to the release's web and worker pods on the same node. The first such pod
may go anywhere (it matches its own term); every later one joins it there.
*/}}
{{- define "complaint-desk.affinity" -}}
{{- $affinity := deepCopy (default (dict) (index .context.Values .process).affinity) }}
{{- if include "complaint-desk.mediaOnOneNode" .context }}
{{- $podAffinity := default (dict) (index $affinity "podAffinity") }}
{{- $required := default (list) (index $podAffinity "requiredDuringSchedulingIgnoredDuringExecution") }}
{{- $selector := dict "matchLabels" (dict "app.kubernetes.io/name" (include "complaint-desk.name" .context) "app.kubernetes.io/instance" .context.Release.Name) "matchExpressions" (list (dict "key" "app.kubernetes.io/component" "operator" "In" "values" (list "web" "worker"))) }}
{{- $_ := set $podAffinity "requiredDuringSchedulingIgnoredDuringExecution" (append $required (dict "labelSelector" $selector "topologyKey" "kubernetes.io/hostname")) }}
{{- $_ = set $affinity "podAffinity" $podAffinity }}
{{- end }}
{{- with $affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
