/** Directory: advertisers and partners. */
import { defineGroup, route } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { assertTenant } from '../http/tenant';
import { etagOfVersion } from '../http/etag';
import { DIRECTORY_OPERATIONS as ops } from '../../shared/schemas/api/directory';
import { NotFoundError, ValidationError } from '../../shared/domain/kernel/errors';
import { isKnownCurrency } from '../../shared/domain/kernel/currencies';
import { isTimeZone } from '../../shared/domain/kernel/calendar';
import type { Advertiser, Partner } from '../../shared/domain/contracts/store';
import { lifecycleDeps, newId } from '../contracts/dependencies';

const present = <T extends { actor: string }>({ actor: _actor, ...rest }: T) => rest;

export const handler = defineGroup(FunctionGroup.DIRECTORY, {
  'POST /v1/advertisers': route(ops['POST /v1/advertisers'], async ({ identity, body, clock }) => {
    const details = [
      ...(isKnownCurrency(body.currency) ? [] : [{ path: 'currency', message: `unknown ISO 4217 currency "${body.currency}"` }]),
      ...(isTimeZone(body.timezone) ? [] : [{ path: 'timezone', message: `unknown IANA time zone "${body.timezone}"` }]),
    ];
    if (details.length > 0) throw new ValidationError('the advertiser is not valid', details);
    const at = clock.now().toISOString();
    const advertiser: Advertiser = { id: newId('adv')(), ...body, createdBy: identity.sub, createdAt: at, updatedAt: at, actor: identity.sub, version: 1 };
    await lifecycleDeps().directory.createAdvertiser(advertiser);
    return { status: 201, body: present(advertiser), etag: etagOfVersion(1), headers: { location: `/v1/advertisers/${advertiser.id}` } };
  }),

  'GET /v1/advertisers/{id}': route(ops['GET /v1/advertisers/{id}'], async ({ identity, params }) => {
    assertTenant(identity, params.id, 'advertiser', params.id);
    const advertiser = await lifecycleDeps().directory.getAdvertiser(params.id);
    if (!advertiser) throw new NotFoundError('advertiser', params.id);
    return { status: 200, body: present(advertiser), etag: etagOfVersion(advertiser.version) };
  }),

  'POST /v1/partners': route(ops['POST /v1/partners'], async ({ identity, body, clock }) => {
    const at = clock.now().toISOString();
    const partner: Partner = { id: newId('ptn')(), name: body.name, createdBy: identity.sub, createdAt: at, updatedAt: at, actor: identity.sub, version: 1 };
    await lifecycleDeps().directory.createPartner(partner);
    return { status: 201, body: present(partner), etag: etagOfVersion(1), headers: { location: `/v1/partners/${partner.id}` } };
  }),
});
