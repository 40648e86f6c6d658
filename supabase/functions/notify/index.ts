// Thin wrapper so `supabase functions deploy` discovers the function; the code lives in functions/notify.
export { default } from "../../../functions/notify/index.ts";
