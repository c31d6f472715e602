{{/* Names, labels and the pieces every server's pod shares. */}}

{{- define "pit.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "pit.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one part: rasa, actions or web. */}}
{{- define "pit.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .part }}
{{- end -}}

{{- define "pit.image" -}}
{{- $repo := required "image.repository is required: the project's image (README \"Deploy\" > \"Kubernetes\")" .Values.image.repository -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "pit.publicUrl" -}}
{{- $url := required "publicUrl is required: where the clinic's site reaches the assistant, e.g. https://chat.clinic.example" .Values.publicUrl -}}
{{- if not (regexMatch "^https?://[^/]+$" $url) -}}
{{- fail (printf "publicUrl must be http(s)://host with no path, not %q" $url) -}}
{{- end -}}
{{- $url -}}
{{- end -}}

{{- define "pit.secretName" -}}
{{- default (printf "%s-secrets" (include "pit.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "pit.channelNames" -}}twilio whatsapp telegram messenger{{- end -}}

{{/* One secret key as an environment variable. */}}
{{- define "pit.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "pit.secretName" .root }}
      key: {{ .key }}
{{- end -}}

{{/* Environment shared by the Rasa servers, action servers, web page and the database job.
     Passwords and tokens come from the Secret; the database URL is composed by Kubernetes
     from the password variable defined before it. */}}
{{- define "pit.env" -}}
- name: RASA_TELEMETRY_ENABLED
  value: "false"
{{ include "pit.secretEnv" (dict "root" . "name" "PIT_CLUSTER_DB_PASSWORD" "key" "database-password") }}
{{ include "pit.secretEnv" (dict "root" . "name" "PIT_CLUSTER_REDIS_PASSWORD" "key" "redis-password") }}
{{ include "pit.secretEnv" (dict "root" . "name" "RABBITMQ_USERNAME" "key" "rabbitmq-username") }}
{{ include "pit.secretEnv" (dict "root" . "name" "RABBITMQ_PASSWORD" "key" "rabbitmq-password") }}
{{ include "pit.secretEnv" (dict "root" . "name" "PIT_ACTION_SERVER_TOKEN" "key" "action-server-token") }}
{{ include "pit.secretEnv" (dict "root" . "name" "PIT_STUDIO_PARSE_TOKEN" "key" "studio-parse-token") }}
{{ include "pit.secretEnv" (dict "root" . "name" "PIT_STUDIO_MODEL_TOKEN" "key" "studio-model-token") }}
- name: PIT_DATABASE_URL
  value: {{ printf "postgresql://%s:$(PIT_CLUSTER_DB_PASSWORD)@%s:%v/%s" .Values.database.username .Values.database.host .Values.database.port .Values.database.name | quote }}
{{- if .Values.clinicSettings.configMap }}
- name: PIT_CLINIC_SETTINGS
  value: /etc/pit/clinic/clinic.yml
{{- end }}
{{- end -}}

{{- define "pit.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "pit.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: ["ALL"]
{{- end -}}

{{/* Volumes every pod mounts: the rendered endpoints/credentials and, if given, clinic.yml. */}}
{{- define "pit.volumes" -}}
volumes:
  - name: config
    configMap:
      name: {{ include "pit.fullname" . }}-config
  - name: var
    emptyDir: {}
{{- if .Values.clinicSettings.configMap }}
  - name: clinic
    configMap:
      name: {{ .Values.clinicSettings.configMap }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "pit.volumeMounts" -}}
volumeMounts:
  - name: config
    mountPath: /etc/pit/config
    readOnly: true
  - name: var
    mountPath: {{ .Values.image.workdir }}/var
{{- if .Values.clinicSettings.configMap }}
  - name: clinic
    mountPath: /etc/pit/clinic
    readOnly: true
{{- end }}
{{- end -}}
