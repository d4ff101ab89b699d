/**
 * Destructive actions (void, reject) ask for confirmation and a reason: Radix's alert dialog
 * (focus trapped, Escape cancels, the title and description announced).
 */
import { AlertDialog } from 'radix-ui';
import { useId, useState } from 'react';

export function ConfirmWithReason({
  trigger,
  title,
  description,
  confirmLabel,
  reasonLabel,
  disabled,
  disabledReason,
  onConfirm,
}: {
  trigger: string;
  title: string;
  description: string;
  confirmLabel: string;
  reasonLabel: string;
  disabled?: boolean;
  disabledReason?: string;
  onConfirm: (reason: string) => void;
}) {
  const [reason, setReason] = useState('');
  const id = useId();
  return (
    <AlertDialog.Root>
      <AlertDialog.Trigger asChild>
        <button type="button" className="button button-danger" disabled={disabled} title={disabled ? disabledReason : undefined}>
          {trigger}
        </button>
      </AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog">
          <AlertDialog.Title>{title}</AlertDialog.Title>
          <AlertDialog.Description>{description}</AlertDialog.Description>
          <div className="field">
            <label htmlFor={id}>{reasonLabel}</label>
            <textarea id={id} value={reason} onChange={(e) => setReason(e.target.value)} rows={3} />
          </div>
          <div className="actions">
            <AlertDialog.Cancel asChild>
              <button type="button" className="button">Cancel</button>
            </AlertDialog.Cancel>
            <AlertDialog.Action asChild>
              <button type="button" className="button button-danger" disabled={reason.trim() === ''} onClick={() => onConfirm(reason.trim())}>
                {confirmLabel}
              </button>
            </AlertDialog.Action>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
