/** Directory: advertisers (with their billing profiles) and partners. */
import { defineGroup, route } from '../http/group';
import { FunctionGroup } from '../http/routes';
import { assertTenant, tenantOf } from '../http/tenant';
import { etagOfVersion, expectedVersion } from '../http/etag';
import { DIRECTORY_OPERATIONS as ops } from '../../shared/schemas/api/directory';
import { NotFoundError, ValidationError } from '../../shared/domain/kernel/errors';
import type { Advertiser, Partner } from '../../shared/domain/contracts/store';
import { advertiserFieldProblems, reviseAdvertiser, revisePartner } from '../../shared/domain/directory/revise';
import { lifecycleDeps, newId } from '../contracts/dependencies';

const present = <T extends { actor: string }>({ actor: _actor, ...rest }: T) => rest;

async function requireAdvertiser(id: string): Promise<Advertiser> {
  const advertiser = await lifecycleDeps().directory.getAdvertiser(id);
  if (!advertiser) throw new NotFoundError('advertiser', id);
  return advertiser;
}

async function requirePartner(id: string): Promise<Partner> {
  const partner = await lifecycleDeps().directory.getPartner(id);
  if (!partner) throw new NotFoundError('partner', id);
  return partner;
}

export const handler = defineGroup(FunctionGroup.DIRECTORY, {
  'POST /v1/advertisers': route(ops['POST /v1/advertisers'], async ({ identity, body, clock }) => {
    const details = advertiserFieldProblems(body);
    if (details.length > 0) throw new ValidationError('the advertiser is not valid', details);
    const at = clock.now().toISOString();
    const advertiser: Advertiser = {
      id: newId('adv')(),
      name: body.name,
      currency: body.currency,
      timezone: body.timezone,
      billingProfile: body.billingProfile ?? null,
      createdBy: identity.sub,
      createdAt: at,
      updatedAt: at,
      actor: identity.sub,
      version: 1,
    };
    await lifecycleDeps().directory.createAdvertiser(advertiser);
    return { status: 201, body: present(advertiser), etag: etagOfVersion(1), headers: { location: `/v1/advertisers/${advertiser.id}` } };
  }),

  'GET /v1/advertisers': route(ops['GET /v1/advertisers'], async ({ query }) => {
    const page = await lifecycleDeps().directory.listAdvertisers(query);
    return { status: 200, body: { items: page.items.map(present), nextCursor: page.nextCursor } };
  }),

  'GET /v1/advertisers/{id}': route(ops['GET /v1/advertisers/{id}'], async ({ identity, params }) => {
    assertTenant(identity, params.id, 'advertiser', params.id);
    const advertiser = await requireAdvertiser(params.id);
    // The advertiser view leaves out which staff member created the record.
    const { createdBy: _createdBy, ...own } = present(advertiser);
    return { status: 200, body: tenantOf(identity) === null ? present(advertiser) : own, etag: etagOfVersion(advertiser.version) };
  }),

  'PUT /v1/advertisers/{id}': route(ops['PUT /v1/advertisers/{id}'], async ({ identity, params, body, headers, clock }) => {
    const expected = expectedVersion(headers, true);
    const current = await requireAdvertiser(params.id);
    const next = reviseAdvertiser(current, body, expected, identity.sub, clock.now());
    await lifecycleDeps().directory.updateAdvertiser(next, current.version);
    return { status: 200, body: present(next), etag: etagOfVersion(next.version) };
  }),

  'POST /v1/partners': route(ops['POST /v1/partners'], async ({ identity, body, clock }) => {
    const at = clock.now().toISOString();
    const partner: Partner = { id: newId('ptn')(), name: body.name, createdBy: identity.sub, createdAt: at, updatedAt: at, actor: identity.sub, version: 1 };
    await lifecycleDeps().directory.createPartner(partner);
    return { status: 201, body: present(partner), etag: etagOfVersion(1), headers: { location: `/v1/partners/${partner.id}` } };
  }),

  'GET /v1/partners': route(ops['GET /v1/partners'], async ({ query }) => {
    const page = await lifecycleDeps().directory.listPartners(query);
    return { status: 200, body: { items: page.items.map(present), nextCursor: page.nextCursor } };
  }),

  'GET /v1/partners/{id}': route(ops['GET /v1/partners/{id}'], async ({ params }) => {
    const partner = await requirePartner(params.id);
    return { status: 200, body: present(partner), etag: etagOfVersion(partner.version) };
  }),

  'PUT /v1/partners/{id}': route(ops['PUT /v1/partners/{id}'], async ({ identity, params, body, headers, clock }) => {
    const expected = expectedVersion(headers, true);
    const current = await requirePartner(params.id);
    const next = revisePartner(current, body, expected, identity.sub, clock.now());
    await lifecycleDeps().directory.updatePartner(next, current.version);
    return { status: 200, body: present(next), etag: etagOfVersion(next.version) };
  }),
});
