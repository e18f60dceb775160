/**
 * English error messages for zod/mini. Classic zod installs its English locale when the first
 * schema is built; zod/mini does not (so a bundle only pays for the messages it asks for), and
 * without it every message zod writes reads just "Invalid input". Each module that defines a
 * zod/mini schema imports this one for its side effect, so the default messages (part of the 400
 * contract, e.g. "Too big: expected string to have <=200 characters") stay those of classic zod
 * whatever is imported first. An explicit locale set later (`z.config(...)`) still wins.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

if (!z.config().localeError) z.config(en());
