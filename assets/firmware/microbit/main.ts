// Sitless posture sensor for the BBC micro:bit (V1 and V2).
//
// Starts the Bluetooth accelerometer service (the app sets its period and
// reads x, y, z in milli-g), with "no pairing required" (pxt.json), and
// shows on the LEDs what it is doing:
//   a tick      connected to Sitless
//   a small dot waiting for Sitless (advertising)
//   a heart     just after power-up
// Button A answers "is it connected?": a happy face if so, asleep if not.

bluetooth.startAccelerometerService()
// The accelerometer's range: 4 g keeps a brisk walk from clipping.
input.setAccelerometerRange(AcceleratorRange.FourG)

let connected = false
basic.showIcon(IconNames.Heart)
basic.pause(800)

bluetooth.onBluetoothConnected(function () {
    connected = true
    basic.showIcon(IconNames.Yes)
})

bluetooth.onBluetoothDisconnected(function () {
    connected = false
    basic.showLeds(`
        . . . . .
        . . . . .
        . . # . .
        . . . . .
        . . . . .
        `)
})

input.onButtonPressed(Button.A, function () {
    if (connected) {
        basic.showIcon(IconNames.Happy)
    } else {
        basic.showIcon(IconNames.Asleep)
    }
    basic.pause(1000)
    if (connected) {
        basic.showIcon(IconNames.Yes)
    } else {
        basic.clearScreen()
        led.plot(2, 2)
    }
})

basic.clearScreen()
led.plot(2, 2)
// Dim the display: it costs most of the battery after the radio.
led.setBrightness(40)
