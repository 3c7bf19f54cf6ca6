#!/usr/bin/env bash
# Selects a stack of the main program on the azblob backend and writes its secret config from the
# GitHub environment's secrets. Used by the preview, deploy and drift workflows after azure/login.
#
#   prepare-stack.sh <stack> [--create]
#
# Reads (from the job's environment, set from `vars.*` and `secrets.*` of the GitHub environment):
#   PULUMI_BACKEND_URL       azblob://state-<env>?storage_account=<account>   (bootstrap output)
#   PULUMI_SECRETS_PROVIDER  azurekeyvault://<vault>.vault.azure.net/keys/pulumi-<env>
#   AZURE_AI_KEY             required unless the stack file already holds engram:azureAiKey
#   VOICELIVE_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY   optional
#
# Secret values are piped to `pulumi config set --secret` on stdin: they never appear on a command
# line (visible in the process list) nor in the log; the stack file is encrypted with the
# environment's Key Vault key and stays on the runner.
set -euo pipefail

stack="${1:?usage: prepare-stack.sh <stack> [--create]}"
create="${2:-}"

fail() {
  echo "::error::$1" >&2
  exit 1
}

[[ "${PULUMI_BACKEND_URL:-}" == azblob://* ]] ||
  fail "PULUMI_BACKEND_URL must be the azblob:// URL from the bootstrap output (GitHub environment variable)"
[[ "${PULUMI_SECRETS_PROVIDER:-}" == azurekeyvault://* ]] ||
  fail "PULUMI_SECRETS_PROVIDER must be the azurekeyvault:// URL from the bootstrap output (GitHub environment variable)"

pulumi login "$PULUMI_BACKEND_URL"
if [[ "$create" == "--create" ]]; then
  pulumi stack select --create --secrets-provider "$PULUMI_SECRETS_PROVIDER" "$stack"
else
  # Previews and drift checks never create a stack: a missing stack means the environment has not
  # been deployed yet, and the plan identity has no business creating one.
  pulumi stack select "$stack"
fi

set_secret() {
  local key="$1" value="$2" required="$3"
  if [[ -n "$value" ]]; then
    printf '%s' "$value" | pulumi config set --secret --stack "$stack" "$key" >/dev/null
    echo "set $key from the environment secret"
  elif [[ "$required" == "required" ]] && ! pulumi config get --stack "$stack" "$key" >/dev/null 2>&1; then
    fail "$key is required: add the secret to the GitHub environment, or set it once with pulumi config set --secret"
  fi
}

set_secret engram:azureAiKey "${AZURE_AI_KEY:-}" required
set_secret engram:voiceliveApiKey "${VOICELIVE_API_KEY:-}" optional
set_secret engram:anthropicApiKey "${ANTHROPIC_API_KEY:-}" optional
set_secret engram:geminiApiKey "${GEMINI_API_KEY:-}" optional
