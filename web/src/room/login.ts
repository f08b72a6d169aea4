/**
 * Real-time messaging outside rooms: the login session (`login`, `logout`,
 * `updateLoginToken`), online status, and the sends that need a login. It shares the engine's
 * one signalling connection with the room and is restored after a reconnect.
 */
import { ErrorCode, type Methods, type USER_ONLINE_STATUS } from "../generated/protocol";
import { rtcError } from "../errors";
import type { Connection } from "../signal/connection";
import type { RequestOptions } from "../signal/client";
import { describe } from "../media/capture";
import { checkId } from "../validate";

/** Sends that need a login. */
type LoginSend =
  "sendUserMessageOutsideRoom" | "sendUserBinaryMessageOutsideRoom" | "sendServerMessage" | "sendServerBinaryMessage";

/** An engine's login. */
export class LoginSession {
  private info: { token: string; userId: string } | null = null;

  constructor(
    private readonly connection: Connection,
    private readonly closeIfIdle: () => void,
    private readonly messageOptions: () => RequestOptions,
  ) {}

  /** Whether logged in. */
  get loggedIn(): boolean {
    return this.info !== null;
  }

  /** Logs in (LOGIN_FAILED when the server cannot be reached). */
  async login(token: string, userId: string): Promise<void> {
    checkId(userId, "userId", "login");
    if (this.info)
      throw rtcError(ErrorCode.ALREADY_LOGIN, `login: already logged in as ${this.info.userId}; call logout first`);
    try {
      await this.connection.ensure();
    } catch (e) {
      throw rtcError(ErrorCode.LOGIN_FAILED, `login: cannot reach the Chorus server (${describe(e)})`);
    }
    try {
      await this.connection.request("login", { token, userId });
    } catch (e) {
      this.closeIfIdle();
      throw e;
    }
    this.info = { token, userId };
  }

  /** Logs out; a no-op when not logged in. */
  async logout(): Promise<void> {
    if (!this.info) return;
    this.info = null;
    await this.connection.request("logout", {}).catch(() => {});
    this.closeIfIdle();
  }

  /** Replaces the login token. */
  async updateToken(token: string): Promise<void> {
    if (!this.info) throw rtcError(ErrorCode.NOT_LOGIN, "updateLoginToken: not logged in; call login first");
    await this.connection.request("updateLoginToken", { token });
    this.info.token = token;
  }

  /** A peer's online status. */
  async peerStatus(userId: string): Promise<USER_ONLINE_STATUS> {
    if (!this.info) throw rtcError(ErrorCode.NOT_LOGIN, "getPeerOnlineStatus: not logged in; call login first");
    return (await this.connection.request("getPeerOnlineStatus", { userId })).status;
  }

  /** Sets the business server's URL and signature. */
  async setServerParams(signature: string, url: string): Promise<void> {
    if (!this.info) throw rtcError(ErrorCode.NOT_LOGIN, "setServerParams: not logged in; call login first");
    await this.connection.request("setServerParams", { signature, url });
  }

  /** Sends a message that needs a login. */
  send<M extends LoginSend>(method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]> {
    if (!this.info)
      return Promise.reject(rtcError(ErrorCode.USER_MESSAGE_NOT_LOGIN, `${method}: not logged in; call login first`));
    return this.connection.request(method, params, this.messageOptions());
  }

  /** Logs in again on a new socket. */
  async restore(): Promise<void> {
    if (this.info) await this.connection.request("login", this.info);
  }

  /** Forgets the login (the server ended it). */
  forget(): void {
    this.info = null;
  }
}
