/**
 * The one error catalog (DESIGN.md "Claim rules"): every error the cloud can answer, with its
 * HTTP status and the sentences a person reads. Services throw `LatchkeyError`; one handler in
 * the HTTP layer renders `{ error: { code, message, cause, hints } }`.
 */

export interface CatalogEntry {
  status: number;
  message: string;
  cause: string;
  hints: readonly string[];
}

const GENERATE_NEW_HINT =
  'If you do not have access to the old account, generate a new security code on the device: in the old web interface System → Auto Provisioning → Generate New; in the new web interface Integration → Autoprovisioning → My2N → Generate New. The old security code is then no longer valid; add the device with the new one.';

const WHERE_IS_THE_CODE =
  'The current security code is shown in the device web interface (old interface: System → Auto Provisioning; new interface: Integration → Autoprovisioning → My2N). The certificate of ownership included in the box carries the original code, which stops working once a new code is generated on the device.';

export const errorCatalog = {
  VALIDATION_FAILED: {
    status: 400,
    message: 'Some fields are not valid.',
    cause:
      'The request has fields that are missing, of the wrong type or not in the expected format.',
    hints: ['Correct the fields listed in "fields" and send the request again.'],
  },
  MALFORMED_REQUEST: {
    status: 400,
    message: 'The request body could not be read.',
    cause: 'The body is not valid JSON, or it is empty where JSON was expected.',
    hints: ['Send a JSON object with the header Content-Type: application/json.'],
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'This content type is not accepted.',
    cause: 'The API reads JSON bodies only.',
    hints: ['Send the body as JSON with the header Content-Type: application/json.'],
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'The request body is too large.',
    cause:
      'The body is larger than the API accepts (64 KiB; 2 MiB for a residents file or a sealed device backup, 1 MiB for a bulk add).',
    hints: ['Send only the documented fields.'],
  },
  UNAUTHENTICATED: {
    status: 401,
    message: 'You are not signed in.',
    cause: 'The request carries no valid session cookie or API token, or the session has expired.',
    hints: ['Sign in again, or send a valid token in the Authorization: Bearer header.'],
  },
  METRICS_TOKEN_INVALID: {
    status: 401,
    message: 'The metrics token is missing or not correct.',
    cause:
      'GET /metrics on this port needs the header Authorization: Bearer with the token the node was started with (--metrics-token or LATCHKEY_METRICS_TOKEN).',
    hints: [
      'Set the same token in the bearer_token (or authorization.credentials) of the Prometheus scrape job.',
      'Or scrape the separate listener of --metrics-listen, which needs no token, from a private network.',
    ],
  },
  INVALID_CREDENTIALS: {
    status: 401,
    message: 'The e-mail address or the password is not correct.',
    cause: 'No account matches this e-mail address and password.',
    hints: ['Check the e-mail address and the password (passwords are case-sensitive).'],
  },
  CSRF_TOKEN_INVALID: {
    status: 403,
    message: 'The request was refused to protect your account.',
    cause:
      'A request made with a session cookie must carry the X-CSRF-Token header with the token returned by register, login or GET /api/me.',
    hints: ['Reload the page, or send the X-CSRF-Token header.'],
  },
  TOKEN_READ_ONLY: {
    status: 403,
    message: 'This API token may only read.',
    cause: 'The request changes something, but the API token it carries has the scope "read".',
    hints: ['Use a token with the scope "manage", or sign in to the portal.'],
  },
  SESSION_REQUIRED: {
    status: 403,
    message: 'This needs a signed-in session.',
    cause:
      'API tokens cannot create or revoke tokens, list or end sessions, change the password or the name, or change two-factor sign-in.',
    hints: ['Sign in to the portal and do it on the Account page.'],
  },
  TOO_MANY_TOKENS: {
    status: 409,
    message: 'You have too many API tokens.',
    cause: 'One person may hold at most 100 API tokens at once.',
    hints: ['Revoke the tokens you no longer use on the Account page, then create the new one.'],
  },
  CURRENT_PASSWORD_WRONG: {
    status: 403,
    message: 'Your current password is not correct.',
    cause: 'Changing the password needs the current one, and the one given does not match.',
    hints: ['Type your current password again (passwords are case-sensitive).'],
  },
  TWO_FACTOR_CODE_WRONG: {
    status: 401,
    message: 'The code is not correct.',
    cause:
      'The code does not match your authenticator app, was used already, or is a recovery code that was used already. A code from the app is valid for about 30 seconds and works once.',
    hints: [
      'Type the 6-digit code your authenticator app shows now, or wait for the next one if you just used this one.',
      'Check that the clock of your phone is set automatically.',
      'Lost your phone? Use one of your recovery codes instead.',
    ],
  },
  TWO_FACTOR_CHALLENGE_INVALID: {
    status: 401,
    message: 'This sign-in has expired. Sign in again.',
    cause:
      'The second step of a sign-in must be finished within 5 minutes and with at most 5 codes; this one has expired, had too many wrong codes, or was finished already.',
    hints: ['Sign in again with your e-mail address and password, then type a fresh code.'],
  },
  TWO_FACTOR_ALREADY_ENABLED: {
    status: 409,
    message: 'Two-factor sign-in is already on.',
    cause: 'Your account already asks for a code from an authenticator app when you sign in.',
    hints: ['To move to another app or phone, turn two-factor sign-in off and set it up again.'],
  },
  TWO_FACTOR_NOT_ENABLED: {
    status: 409,
    message: 'Two-factor sign-in is not on.',
    cause: 'Your account does not ask for a code when you sign in, so there is nothing to change.',
    hints: ['Set up two-factor sign-in on the Account page first.'],
  },
  TWO_FACTOR_SETUP_NOT_STARTED: {
    status: 409,
    message: 'Start the setup of two-factor sign-in first.',
    cause: 'A code can only confirm a setup that was started, and none is pending.',
    hints: [
      'Start the setup again (POST /api/me/two-factor/setup), scan the new QR code, then type its code.',
    ],
  },
  EMAIL_TAKEN: {
    status: 409,
    message: 'An account with this e-mail address already exists.',
    cause: 'Each e-mail address can hold one account.',
    hints: ['Sign in instead, or register with another e-mail address.'],
  },
  PASSWORD_TOO_WEAK: {
    status: 400,
    message: 'The password is too weak.',
    cause:
      'A password must have at least 10 characters and must not be a common password or contain the e-mail address.',
    hints: ['Choose a longer password, for example a few unrelated words.'],
  },
  RESET_TOKEN_INVALID: {
    status: 410,
    message: 'This password reset link is no longer valid.',
    cause:
      'A password reset link works once, for one hour; this one was used already, has expired, or was never issued.',
    hints: ['Ask for a new link with "Forgot password?" on the sign-in page.'],
  },
  TOO_MANY_RESET_REQUESTS: {
    status: 429,
    message: 'Too many password reset e-mails were asked for. Try again later.',
    cause:
      'Reset e-mails for one address, or from one network address, are limited to a few an hour.',
    hints: [
      'Look for the e-mail already sent, in the spam folder too.',
      'Wait for the time given in the Retry-After header before asking again.',
    ],
  },
  INSUFFICIENT_ROLE: {
    status: 403,
    message: 'Your role does not allow this.',
    cause:
      'You can see this company or site, but your role in it (viewer, site-admin or member) does not include this action.',
    hints: ['Ask an admin of the company to give you a role that allows it.'],
  },
  TWO_FACTOR_REQUIRED: {
    status: 403,
    message: 'This company requires two-factor sign-in.',
    cause:
      'An admin of the company made two-factor sign-in required, and it is not set up on your account.',
    hints: ['Set up two-factor sign-in on the Account page, then try again.'],
  },
  LAST_ADMIN: {
    status: 409,
    message: 'A company must keep at least one admin.',
    cause: 'This change would leave the company without an admin.',
    hints: ['Make another member an admin first.'],
  },
  MEMBER_NOT_FOUND: {
    status: 404,
    message: 'The member does not exist.',
    cause: 'Nobody with this user id is a member of the current company (X-Company-Id).',
    hints: ['List the members with GET /api/company/members and use one of their user ids.'],
  },
  INVITATION_NOT_FOUND: {
    status: 404,
    message: 'The invitation does not exist.',
    cause: 'The current company (X-Company-Id) has no pending invitation with this id.',
    hints: ['List the pending invitations with GET /api/company/invitations.'],
  },
  INVITATION_INVALID: {
    status: 410,
    message: 'This invitation link is no longer valid.',
    cause:
      'An invitation link works once, for seven days; this one was used already, has expired, was withdrawn or replaced by a newer one, or was never issued.',
    hints: ['Ask an admin of the company to invite you again.'],
  },
  ALREADY_MEMBER: {
    status: 409,
    message: 'This person is already a member of the company.',
    cause: 'The account is a member of the company already; an invitation would add nothing.',
    hints: ["Change the member's role or sites on the Members page instead."],
  },
  TOO_MANY_INVITATIONS: {
    status: 409,
    message: 'The company has too many pending invitations.',
    cause: 'A company may have at most 50 invitations waiting for an answer at once.',
    hints: ['Withdraw invitations nobody will accept (DELETE /api/company/invitations/{id}).'],
  },
  NOTIFICATION_NOT_FOUND: {
    status: 404,
    message: 'The notification does not exist.',
    cause: 'No notification with this id was sent to you (each person has their own copy).',
    hints: ['List your notifications with GET /api/notifications and use one of their ids.'],
  },
  COMPANY_NOT_FOUND: {
    status: 404,
    message: 'The company does not exist.',
    cause:
      'You are not a member of a company with this id (X-Company-Id), or your API token was made for another company.',
    hints: ['GET /api/me lists your companies; send one of their ids in X-Company-Id.'],
  },
  SITE_NOT_FOUND: {
    status: 404,
    message: 'The site does not exist.',
    cause: 'There is no site with this id among the sites of your companies.',
    hints: ['List your sites with GET /api/sites and use one of their ids.'],
  },
  DEVICE_NOT_IN_SITE: {
    status: 404,
    message: 'The device is not in this site.',
    cause: 'No device with this serial number belongs to this site.',
    hints: ['List the devices of the site and check the serial number.'],
  },
  APARTMENT_NOT_FOUND: {
    status: 404,
    message: 'The apartment does not exist.',
    cause: 'This site has no apartment with this id.',
    hints: ['List the apartments of the site with GET /api/sites/{siteId}/apartments.'],
  },
  APARTMENT_NAME_TAKEN: {
    status: 409,
    message: 'An apartment with this number or name already exists in the site.',
    cause:
      'Each apartment of a site needs its own number or name, so that residents and the access log can tell them apart.',
    hints: ['Choose another number or name, or edit the existing apartment.'],
  },
  APARTMENT_HAS_RESIDENTS: {
    status: 409,
    message: 'The apartment still has residents.',
    cause:
      'Deleting an apartment would leave its residents without one, and their PINs and cards on the intercoms.',
    hints: [
      'Move its residents to another apartment or remove them first, then delete the apartment.',
    ],
  },
  FAMILY_HOME_HAS_ONE_APARTMENT: {
    status: 409,
    message: 'A family home has exactly one apartment.',
    cause:
      'The site was created as a family home, which the cloud made with its one apartment; it cannot have another or none.',
    hints: ['Rename the apartment instead, or create the site as an apartment building.'],
  },
  RESIDENT_NOT_FOUND: {
    status: 404,
    message: 'The resident does not exist.',
    cause: 'This site has no resident with this id.',
    hints: ['List the residents of the site with GET /api/sites/{siteId}/residents.'],
  },
  RESIDENT_LIMIT_REACHED: {
    status: 409,
    message: 'The site has as many residents as an intercom can hold.',
    cause:
      'Every resident of a site is one entry in the directory of its intercoms, which holds 2000 entries; the site has that many already.',
    hints: ['Remove residents who moved out, or split the building into more sites.'],
  },
  CREDENTIAL_TAKEN: {
    status: 409,
    message: 'This PIN or card already belongs to another resident of the site.',
    cause:
      'At the door an intercom must know whose PIN or card it is, so each PIN and card is used by one resident of a site only.',
    hints: ['Choose another PIN, or check the card id; the error names the field.'],
  },
  IMPORT_HAS_ERRORS: {
    status: 422,
    message: 'The file has rows with errors, so nothing was imported.',
    cause:
      'An import is applied whole or not at all; the rows listed in the answer need fixing first.',
    hints: [
      'Fix the rows named in the answer (or try the file with ?dryRun=true to see every error), then import it again.',
    ],
  },
  REMOTE_SESSION_NOT_FOUND: {
    status: 404,
    message: 'This remote configuration link does not exist.',
    cause:
      'The link is not one the cloud opened, it was opened by another person, or you no longer manage the site of the device.',
    hints: [
      'Open Remote configuration again from the device page in the portal, signed in as the site administrator who uses it.',
    ],
  },
  REMOTE_SESSION_EXPIRED: {
    status: 410,
    message: 'This remote configuration session has ended.',
    cause:
      'A remote configuration session ends after 30 minutes without use, and at the latest 4 hours after it was opened.',
    hints: ['Open Remote configuration again from the device page in the portal.'],
  },
  REMOTE_CROSS_SITE: {
    status: 403,
    message: 'This change was sent from another web site.',
    cause:
      'Remote configuration accepts changes only from its own pages: the request came from another origin.',
    hints: ['Make the change on the device pages opened through Remote configuration.'],
  },
  REMOTE_BODY_TOO_LARGE: {
    status: 413,
    message: 'The upload is too large for remote configuration.',
    cause: 'Remote configuration relays request bodies of up to 40 MiB.',
    hints: ["Upload a smaller file, or upload it on the device's own network."],
  },
  REMOTE_TOO_MANY_REQUESTS: {
    status: 429,
    message: 'Too many remote configuration requests are in progress.',
    cause:
      'A remote configuration session relays a few requests at once (4), and each cloud node a limited number in all.',
    hints: ['Wait for the pages or uploads in progress to finish, then try again.'],
  },
  DEVICE_NO_WEB_INTERFACE: {
    status: 502,
    message: 'The device has no web interface to relay to.',
    cause: 'The device is linked to the cloud, but it serves no web interface it can reach.',
    hints: [
      'Check that the device serves its web interface (for an emulated device: an HTTP port).',
    ],
  },
  DEVICE_OFFLINE: {
    status: 409,
    message: 'The device is offline.',
    cause: 'The device has no link to the cloud now, so it cannot be told to do anything.',
    hints: [
      'Check the power and the network of the device; the action can be sent once it is online again.',
    ],
  },
  DEVICE_DID_NOT_ANSWER: {
    status: 504,
    message: 'The device did not answer in time.',
    cause:
      'The command was sent over the device link, but no answer came back before the time limit.',
    hints: ['Try again; if it keeps happening, check the network of the device.'],
  },
  DEVICE_REFUSED: {
    status: 502,
    message: 'The device refused the command.',
    cause: 'The device answered, but could not do what was asked; its reason is in the answer.',
    hints: [
      'Read the reason the device gave, fix it on the device or in the request, and try again.',
    ],
  },
  SESSION_NOT_FOUND: {
    status: 404,
    message: 'The session does not exist.',
    cause: 'There is no session with this id among your sessions; it may have ended already.',
    hints: ['List your sessions with GET /api/sessions and use one of their ids.'],
  },
  TOKEN_NOT_FOUND: {
    status: 404,
    message: 'The API token does not exist.',
    cause: 'There is no token with this id among your tokens; it may have been revoked already.',
    hints: ['List your tokens with GET /api/tokens and use one of their ids.'],
  },
  FIRMWARE_NOT_FOUND: {
    status: 404,
    message: 'The firmware image does not exist.',
    cause: 'No image with this id is in the firmware catalogue your company may use.',
    hints: ['List the catalogue with GET /api/firmware and use one of its ids.'],
  },
  WEBHOOK_NOT_FOUND: {
    status: 404,
    message: 'The webhook endpoint does not exist.',
    cause: 'There is no webhook endpoint with this id in your company.',
    hints: ['List the endpoints with GET /api/webhooks and use one of their ids.'],
  },
  WEBHOOK_DELIVERY_NOT_FOUND: {
    status: 404,
    message: 'The webhook delivery does not exist.',
    cause: 'This endpoint has no delivery with this id.',
    hints: ['List the deliveries with GET /api/webhooks/:id/deliveries and use one of their ids.'],
  },
  WEBHOOK_URL_INVALID: {
    status: 400,
    message: 'The webhook URL is not valid.',
    cause:
      'Webhooks are sent only to absolute https:// URLs of at most 2,048 characters, without user name or password.',
    hints: [
      'Give the full address of your receiver, for example https://hooks.example.com/latchkey.',
      'An operator testing with a plain http:// receiver can start the cloud with --webhooks-allow-insecure.',
    ],
  },
  WEBHOOK_URL_FORBIDDEN: {
    status: 422,
    message: 'The webhook URL points to an address the cloud does not send to.',
    cause:
      'Its host is, or resolves to, a loopback, private, link-local or cloud metadata address, or it does not resolve at all. The cloud refuses these so that webhooks cannot reach its own network.',
    hints: [
      'Give a URL whose host resolves to a public address.',
      'An operator testing on a private network can start the cloud with --webhooks-allow-insecure.',
    ],
  },
  WEBHOOK_LIMIT: {
    status: 409,
    message: 'Your company has as many webhook endpoints as it may.',
    cause: 'A company may register at most 20 webhook endpoints.',
    hints: ['Delete an endpoint you no longer use, or give one endpoint more event kinds.'],
  },
  WEBHOOK_SECRET_TOO_SHORT: {
    status: 400,
    message: 'The webhook secret is too short.',
    cause: 'A secret you choose must have from 16 to 200 characters.',
    hints: ['Give a longer secret, or leave it out and the cloud generates one.'],
  },
  WEBHOOK_DISABLED: {
    status: 409,
    message: 'The webhook endpoint is disabled.',
    cause: 'A disabled endpoint is sent nothing, test events and resent deliveries included.',
    hints: ['Enable it first with PATCH /api/webhooks/:id {"enabled": true}.'],
  },
  ROLLOUT_NOT_FOUND: {
    status: 404,
    message: 'The rollout does not exist.',
    cause: 'There is no firmware rollout with this id in your company.',
    hints: ['List the rollouts with GET /api/rollouts and use one of their ids.'],
  },
  ROLLOUT_DEVICE_NOT_FOUND: {
    status: 404,
    message: 'A device of the rollout was not found.',
    cause: 'A serial number given is not a device in a site you manage.',
    hints: ['Check the serial numbers against the device lists of your sites.'],
  },
  ROLLOUT_NO_DEVICES: {
    status: 422,
    message: 'No device can take this firmware.',
    cause: 'None of the chosen devices is of the model the image is for, or all run it already.',
    hints: ['Choose devices of the image’s model, or choose the image for your devices’ model.'],
  },
  ROLLOUT_DOWNGRADE_UNCONFIRMED: {
    status: 409,
    message: 'This rollout would downgrade devices.',
    cause: 'Some chosen devices run a newer firmware than the image.',
    hints: [
      'If you mean to install the older firmware, start the rollout again with allowDowngrade: true (in the portal: confirm the downgrade).',
    ],
  },
  ROLLOUT_FINISHED: {
    status: 409,
    message: 'The rollout has already ended.',
    cause: 'Only a running rollout can be cancelled.',
    hints: ['Start a new rollout for the devices that still need the firmware.'],
  },
  LINK_TRANSFER_INVALID: {
    status: 404,
    message: 'This download address is not valid.',
    cause:
      'The address was used already, has expired (after ten minutes), or was never issued. Each address is sent to one device for one file and works once.',
    hints: ['The cloud sends the device a new address when it asks it to try again.'],
  },
  NOT_FOUND: {
    status: 404,
    message: 'There is nothing at this address.',
    cause: 'The path or the method is not part of the API.',
    hints: ['See GET /openapi.json for the list of routes.'],
  },
  TOO_MANY_ATTEMPTS: {
    status: 429,
    message: 'Too many failed attempts. Try again later.',
    cause:
      'Several attempts to add a device failed in a short time, from this account, this address or for this serial number.',
    hints: [
      'Wait for the time given in the Retry-After header before trying again.',
      'Check the serial number and the current security code on the device before the next attempt.',
    ],
  },
  TOO_MANY_LOGIN_ATTEMPTS: {
    status: 429,
    message: 'Too many failed sign-ins. Try again later.',
    cause:
      'Several sign-ins failed in a short time from this address, or for this e-mail address from this address.',
    hints: [
      'Wait for the time given in the Retry-After header before trying again.',
      'If you forgot your password, ask an administrator of your company for help instead of guessing.',
    ],
  },
  TOO_MANY_REGISTRATIONS: {
    status: 429,
    message: 'Too many accounts were created from this address. Try again later.',
    cause: 'This address has tried to create many accounts in a short time.',
    hints: [
      'Wait for the time given in the Retry-After header before trying again.',
      'Behind a shared proxy, ask the operator to run the cloud with --trust-proxy.',
    ],
  },
  TOO_MANY_STREAMS: {
    status: 429,
    message: 'Too many live-update streams are open for your account.',
    cause:
      'Every open portal tab holds one live-update stream, and one person may hold only a limited number at once.',
    hints: [
      'Close portal tabs or windows you no longer use, then reload this one.',
      'An operator can raise the limit with latchkey serve --event-streams-per-person N.',
    ],
  },
  SERIAL_NOT_FOUND: {
    status: 404,
    message: 'The Serial Number does not exist',
    cause: 'The serial number you have entered does not relate to any device.',
    hints: [
      'Please double-check the validity of the number and correct any typo.',
      'The serial number can be found on the back of most units, inside the web interface of the device and on the CERTIFICATE OF OWNERSHIP (included in the box of the unit).',
    ],
  },
  SECURITY_CODE_INVALID: {
    status: 422,
    message: 'The security code is not valid',
    cause: 'The security code you have entered does not belong to this device.',
    hints: ['Check the security code for typos.', WHERE_IS_THE_CODE],
  },
  SECURITY_CODE_REPLACED: {
    status: 422,
    message: 'This security code was replaced by a newer one generated on the device',
    cause:
      'A new security code was generated on the device, so the old security code is therefore no longer valid.',
    hints: [
      WHERE_IS_THE_CODE,
      'Ask whoever has administrator access to the device for its current code.',
    ],
  },
  ALREADY_IN_THIS_SITE: {
    status: 409,
    message: 'The device is already in this site',
    cause: 'This device already belongs to this site; nothing was changed.',
    hints: ['Find it in the list of devices of this site.'],
  },
  DEVICE_ALREADY_ADDED: {
    status: 409,
    message: 'The device is already added',
    cause: 'The device is already added to another account.',
    hints: [
      'If the device is already added elsewhere, you must first delete it from the old account to add it to yours.',
      'If the device has been used by a previous owner, try contacting them and ask about deleting the device from their account.',
      GENERATE_NEW_HINT,
    ],
  },
  DEVICE_NOT_FOUND: {
    status: 404,
    message: 'The device was not found',
    cause: 'No device with this serial number belongs to a site of your company that you can see.',
    hints: ['Check the serial number, and that the device is in one of your sites.'],
  },
  DEVICE_BUSY: {
    status: 409,
    message: 'The device is in a pending transfer',
    cause:
      'The device is part of an offer or a request that has not been answered yet, so it cannot be offered or requested again.',
    hints: ['Wait for the answer, or cancel the pending offer in Transfers first.'],
  },
  MOVE_ACROSS_COMPANIES: {
    status: 409,
    message: 'The site is in another company',
    cause:
      'A move goes between the sites of one company. The device and the chosen site belong to different companies.',
    hints: [
      'Offer the device to the other company from Transfers; they accept it into their site.',
    ],
  },
  TRANSFER_NOT_FOUND: {
    status: 404,
    message: 'The transfer was not found',
    cause: 'No offer with this id was made by or to your company.',
    hints: ['Open Transfers to see the offers your company made and received.'],
  },
  TRANSFER_NOT_PENDING: {
    status: 409,
    message: 'The transfer was already answered',
    cause:
      'The offer has been accepted, rejected, cancelled or has expired, so it cannot be answered or cancelled any more.',
    hints: ['Open Transfers to see how it ended. Ask the other side for a new offer if needed.'],
  },
  TRANSFER_RECIPIENT_UNKNOWN: {
    status: 422,
    message: 'Nobody can receive an offer at this address',
    cause:
      'No person of another company has an account with this e-mail address, so there is nobody to offer the devices to.',
    hints: [
      'Check the e-mail address, or ask the person to create an account first.',
      'Offers go to another company; to move devices between your own sites, use Move.',
    ],
  },
  TRANSFER_EMPTY: {
    status: 400,
    message: 'The offer names no devices',
    cause:
      'An offer names either devices (serialNumbers) or one whole site (siteId), not both and not neither.',
    hints: ['Choose the devices to offer, or offer the whole site.'],
  },
  TRANSFER_SITE_REQUIRED: {
    status: 400,
    message: 'Choose a site to receive the devices',
    cause: 'This offer contains devices, not a whole site: they need one of your sites to go to.',
    hints: ['Send the accept again with the siteId of one of your sites.'],
  },
  TRANSFER_REQUEST_NOT_FOUND: {
    status: 404,
    message: 'The request was not found',
    cause: 'No request with this id was made by or to your company.',
    hints: ['Open Transfers to see the requests your company made and received.'],
  },
  TRANSFER_REQUEST_NOT_PENDING: {
    status: 409,
    message: 'The request was already answered',
    cause: 'The request has been approved, declined, cancelled or has expired.',
    hints: ['Open Transfers to see how it ended.'],
  },
  TRANSFER_REQUEST_NOT_NEEDED: {
    status: 409,
    message: 'There is nobody to ask for this device',
    cause:
      'A request asks another company to release its device. This device is not owned by another company: it is free to add, or it is already yours.',
    hints: ['Add the device with its security code, or move it between your sites.'],
  },
  TOO_MANY_TRANSFER_REQUESTS: {
    status: 429,
    message: 'Too many requests to release devices',
    cause: 'You sent many requests to release devices in a short time.',
    hints: ['Wait and try again later, or ask the owners directly.'],
  },
  BULK_TOO_MANY_ROWS: {
    status: 413,
    message: 'The file has too many rows',
    cause: 'A bulk add takes at most 10,000 rows at once.',
    hints: ['Split the file into parts of at most 10,000 rows and add each part.'],
  },
  BULK_FILE_INVALID: {
    status: 400,
    message: 'The file could not be read',
    cause:
      'The bulk add reads a CSV file whose columns are serialNumber and securityCode (a header row is optional), or JSON {"rows": [...]}.',
    hints: [
      'Save the file as CSV (comma-separated, UTF-8) with one device per line, and try again.',
    ],
  },
  BACKUP_NOT_FOUND: {
    status: 404,
    message: 'The backup does not exist.',
    cause: 'No stored backup of this device with this id belongs to this site.',
    hints: ["List the device's backups in this site and pick one of them."],
  },
  BACKUP_TRANSFER_INVALID: {
    status: 404,
    message: 'This backup address is not valid.',
    cause: 'A backup address works once, for minutes, for the one device it was sent to.',
    hints: [
      'Ask for the backup or the restore again from the portal; the device gets a new address.',
    ],
  },
  BACKUP_INVALID: {
    status: 400,
    message: 'This is not a sealed backup.',
    cause: "The body is not a configuration backup sealed to the site's key.",
    hints: ['Send the sealed backup the device makes for the backup-upload command, unchanged.'],
  },
  FIRMWARE_IMAGE_INVALID: {
    status: 422,
    message: 'The file is not a firmware image',
    cause:
      'A firmware image starts with the line LATCHKEY-FW/1, then the lines "model: <the device model>" and "version: <two to five numbers separated by dots>", then an empty line.',
    hints: [
      'Check that you chose the image file itself, not an archive or its release notes, and add it again.',
    ],
  },
  FIRMWARE_TOO_LARGE: {
    status: 413,
    message: 'The firmware image is too large',
    cause: 'A firmware image may be at most 32 MiB.',
    hints: ['Check that you chose the image file itself, not an archive of several images.'],
  },
  FIRMWARE_VERSION_CONFLICT: {
    status: 409,
    message: 'This model and version are already in the catalogue with other content',
    cause:
      'The catalogue holds another image with the same model and version; two different files under one version would make rollouts ambiguous.',
    hints: [
      'If the new file is the right one, build it with a new version number and add that.',
      'If the image in the catalogue is the right one, use it as it is.',
    ],
  },
  FIRMWARE_UPLOADS_DISABLED: {
    status: 403,
    message: 'This cloud does not accept firmware images from companies',
    cause:
      'The operator of this cloud adds firmware images; uploads by company admins are off on this server.',
    hints: [
      'Ask the operator to add the image with "latchkey firmware add FILE", or to start the cloud with "latchkey serve --firmware-uploads" so that company admins can upload their own.',
    ],
  },
  INTERNAL: {
    status: 500,
    message: 'Something went wrong on our side.',
    cause: 'An unexpected error occurred; it was logged.',
    hints: ['Try again in a moment. If it keeps happening, tell the operator of this server.'],
  },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof errorCatalog;

/** A field-level problem, as listed under `error.fields` of a VALIDATION_FAILED answer. */
export interface FieldError {
  field: string;
  message: string;
}

export interface LatchkeyErrorOptions {
  fields?: FieldError[];
  retryAfterSeconds?: number;
  cause?: string;
  /** More of the answer beside `error`, e.g. the rows of a residents import (issue 17). */
  details?: Record<string, unknown>;
}

/** An error from the catalog; the only kind of error services throw on purpose. */
export class LatchkeyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly explanation: string;
  readonly hints: readonly string[];

  constructor(code: ErrorCode, options: LatchkeyErrorOptions = {}) {
    const entry: CatalogEntry = errorCatalog[code];
    // A catalog error is an answer, not a fault: its stack is never logged, and capturing it
    // cost 1.6 % of a claim's CPU (bench/NOTES.md).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(entry.message);
    Error.stackTraceLimit = limit;
    this.name = 'LatchkeyError';
    this.code = code;
    this.status = entry.status;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
    this.explanation = options.cause ?? entry.cause;
    this.hints = entry.hints;
  }
}

/** The JSON body of an error answer (DESIGN.md: `{"error": {code, message, cause, hints}}`). */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    cause: string;
    hints: string[];
    fields?: FieldError[];
  };
}

/** Renders an error into the body every API error answer carries. */
export function errorBody(error: LatchkeyError): ErrorBody {
  return {
    ...error.details,
    error: {
      code: error.code,
      message: error.message,
      cause: error.explanation,
      hints: [...error.hints],
      ...(error.fields ? { fields: error.fields } : {}),
    },
  };
}

/** Whether a value is a catalog error (also across module copies). */
export function isLatchkeyError(value: unknown): value is LatchkeyError {
  return value instanceof LatchkeyError;
}
