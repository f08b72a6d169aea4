/**
 * The user id inside an "001" token (crates/token): the WTN manager plays and pushes with a
 * token and no user id of its own, so it joins as the user the token names. Only reads the
 * token; the server checks its signature, expiry and privileges. Depends on nothing.
 */
/** The user id `token` is for, or null when it is not a well-formed "001" token. */
export declare function tokenUser(token: string | null): string | null;
