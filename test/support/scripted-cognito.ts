import { DescribeUserPoolCommand, ListUsersCommand, type CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";

import { CognitoDirectory } from "../../src/directory/cognito-directory.js";
import type { CognitoTarget, DoctorDirectory } from "../../src/doctor/checks.js";

/** What each call answers; a rejection is the SDK's own error, for the directory to word as it does for the seed. */
export interface CognitoScript {
  describePool?: () => Promise<unknown>;
  listUsers?: () => Promise<unknown>;
}

const A_POOL = async () => ({ UserPool: { Name: "flip-users", EstimatedNumberOfUsers: 42 } });
const NO_USERS = async () => ({ Users: [] });

/**
 * The doctor's `openDirectory` for unit tests: the real Cognito directory over
 * a client that answers as scripted. Records what each call sent and how many
 * directories were closed.
 */
export function scriptedCognito(script: CognitoScript = {}) {
  const sent: Array<{ command: string; input: unknown }> = [];
  let closed = 0;
  async function open(target: CognitoTarget): Promise<DoctorDirectory> {
    const client = {
      async send(command: DescribeUserPoolCommand | ListUsersCommand) {
        sent.push({ command: command.constructor.name, input: command.input });
        if (command instanceof DescribeUserPoolCommand) return (script.describePool ?? A_POOL)();
        return (script.listUsers ?? NO_USERS)();
      },
      destroy() {
        closed += 1;
      },
    };
    return new CognitoDirectory(client as unknown as CognitoIdentityProviderClient, target.userPoolId);
  }
  return { open, sent, closed: () => closed };
}
