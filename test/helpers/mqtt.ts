import mqtt from 'mqtt';

/**
 * One raw MQTT 3.1.1 login, without reconnecting: resolves with the client and the broker's
 * refusal (null when CONNACK accepted it), so tests can log in as a device or as an attacker.
 */
export function connectMqtt(url: string, clientId: string, username: string, password: string) {
  const client = mqtt.connect(url, {
    clientId,
    username,
    password,
    reconnectPeriod: 0,
    protocolVersion: 4,
    connectTimeout: 5000,
  });
  return new Promise<{ client: mqtt.MqttClient; error: Error | null }>((resolve) => {
    client.once('connect', () => resolve({ client, error: null }));
    client.once('error', (error) => resolve({ client, error }));
  });
}
