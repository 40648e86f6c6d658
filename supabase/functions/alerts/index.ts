// Thin wrapper so `supabase functions deploy` discovers the function; the code lives in functions/alerts.
export { default } from "../../../functions/alerts/index.ts";
