/**
 * Add a profile from another device: join a device link made there. The
 * profile appears at once under this device's name and fills in (its name,
 * contacts, history) as the other device shares it.
 */
import { errorText, type AppContext, type Screen } from './context.js';
import { deviceLinkField } from './device-link-field.js';
import { h } from './dom.js';

export function joinDeviceScreen(ctx: AppContext): Screen {
  const { agent } = ctx;
  const link = deviceLinkField();
  const name = h('input', { required: true, maxlength: 64, value: agent.devices()[0]?.name ?? '', placeholder: 'Laptop browser' });
  const submit = h('button', { type: 'submit' }, 'Link');
  const message = h('p', { role: 'status' });
  const join = async (event: Event): Promise<void> => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = 'Linking…';
    try {
      const { profileId } = await agent.joinDevice(link.input.value.trim(), { name: name.value.trim(), channel: link.channel() });
      agent.setActiveProfile(profileId);
      ctx.show({ name: 'home' });
    } catch (error) {
      message.textContent = errorText(error);
      submit.disabled = false;
    }
  };
  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Add a profile from another device'),
    h('p', {}, 'On the other device, open Devices and choose Link a device. Its profile then comes here too, beside the ones you have.'),
    h('form', { class: 'stack', onsubmit: (e: Event) => void join(e) }, link.element, h('label', {}, 'A name for this device (your other devices show it)', name), submit),
    message,
  );
  return { element, close: () => link.close() };
}
