/** The secret settings: read only with getSecret/requireSecret, never printed. */
export const SECRET_SETTINGS = {
  azureAiKey: {
    required: true,
    vaultSecret: "azure-ai-key",
    what: "the Azure AI Services (APIM subscription) key",
  },
  voiceliveApiKey: { required: false, vaultSecret: "voicelive-api-key", what: "the Azure VoiceLive API key" },
  anthropicApiKey: {
    required: false,
    vaultSecret: "anthropic-api-key",
    what: "the Anthropic Claude API key",
  },
  geminiApiKey: { required: false, vaultSecret: "gemini-api-key", what: "the Google Gemini API key" },
} as const;
export type SecretSettingKey = keyof typeof SECRET_SETTINGS;
export const SECRET_SETTING_KEYS = Object.keys(SECRET_SETTINGS) as SecretSettingKey[];
